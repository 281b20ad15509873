# Rollups redesigned (docs/analytics.md): the old per-QR table held every dimension per day
# (more rows than scan events). Old tables are dropped and new ones created. This migration
# used to fill them by calling analytics.rollups.rollups_rebuild, i.e. the current code, which
# since analytics.0006 also writes a table created later; the step is now a no-op, and a
# database that still has to apply this migration with scans in it must run
# `manage.py scan_counters_recompute` once it is fully migrated.

import django.db.models.deletion
import django.db.models.manager
from django.db import migrations, models


def rebuild(apps, schema_editor):
    """No-op (see the note above): the rebuild runs after the last migration instead."""


class Migration(migrations.Migration):

    dependencies = [
        ('analytics', '0002_rollup_covering_keys'),
        ('qrcodes', '0004_scan_event_fewer_indexes'),
        ('tenants', '0001_initial'),
    ]

    operations = [
        migrations.DeleteModel(name='OrgScanRollup'),
        migrations.DeleteModel(name='QRScanRollup'),
        migrations.CreateModel(
            name='CountedScan',
            fields=[
                ('event_id', models.BigIntegerField(help_text='qr_scan_events.id', primary_key=True, serialize=False)),
                ('qr_code_id', models.UUIDField()),
                ('day', models.DateField(help_text='UTC day of the scan.')),
                ('is_unique', models.BooleanField(help_text='Human, non-duplicate.')),
                ('country', models.CharField(blank=True, db_collation='C', max_length=2)),
                ('city', models.CharField(blank=True, db_collation='C', max_length=255)),
                ('device_type', models.CharField(blank=True, db_collation='C', max_length=255)),
                ('os', models.CharField(blank=True, db_collation='C', max_length=255)),
                ('browser', models.CharField(blank=True, db_collation='C', max_length=255)),
                ('referrer', models.CharField(blank=True, db_collation='C', max_length=255)),
                ('hour', models.CharField(db_collation='C', max_length=2)),
                ('organization', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, to='tenants.organization')),
            ],
            options={
                'db_table': 'analytics_counted_scan',
                'abstract': False,
                'base_manager_name': 'all_orgs',
                'default_manager_name': 'all_orgs',
                'indexes': [models.Index(fields=['organization', 'qr_code_id', 'day'], include=('is_unique', 'country', 'city', 'device_type', 'os', 'browser', 'referrer', 'hour'), name='counted_scan_qr_day')],
            },
            managers=[
                ('all_orgs', django.db.models.manager.Manager()),
            ],
        ),
        migrations.CreateModel(
            name='DimensionLabel',
            fields=[
                ('id', models.BigAutoField(primary_key=True, serialize=False)),
                ('dimension', models.CharField(choices=[('total', 'Total'), ('country', 'Country'), ('city', 'City'), ('device_type', 'Device Type'), ('os', 'Os'), ('browser', 'Browser'), ('referrer', 'Referrer'), ('hour', 'Hour')], max_length=16)),
                ('value', models.CharField(db_collation='C', max_length=255)),
                ('label', models.CharField(blank=True, max_length=255)),
                ('latitude', models.FloatField(blank=True, null=True)),
                ('longitude', models.FloatField(blank=True, null=True)),
                ('organization', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, to='tenants.organization')),
            ],
            options={
                'db_table': 'analytics_value_label',
                'abstract': False,
                'base_manager_name': 'all_orgs',
                'default_manager_name': 'all_orgs',
                'constraints': [models.UniqueConstraint(fields=('organization', 'dimension', 'value'), include=('label', 'latitude', 'longitude'), name='value_label_key')],
            },
            managers=[
                ('all_orgs', django.db.models.manager.Manager()),
            ],
        ),
        migrations.CreateModel(
            name='OrgScanRollup',
            fields=[
                ('id', models.BigAutoField(primary_key=True, serialize=False)),
                ('grain', models.CharField(choices=[('d', 'Day'), ('w', 'Month week'), ('m', 'Month'), ('q', 'Quarter')], max_length=1)),
                ('period', models.DateField(help_text='First UTC day of the block.')),
                ('bucket', models.IntegerField(help_text='grain code * 100,000 + days from 1970-01-01 to period.')),
                ('scans', models.IntegerField(default=0, help_text='Non-bot scans (human + duplicate).')),
                ('unique_scans', models.IntegerField(default=0, help_text='Human, non-duplicate scans.')),
                ('bot_scans', models.IntegerField(default=0, help_text='Bot scans (dimension total only).')),
                ('dimension', models.CharField(choices=[('total', 'Total'), ('country', 'Country'), ('city', 'City'), ('device_type', 'Device Type'), ('os', 'Os'), ('browser', 'Browser'), ('referrer', 'Referrer'), ('hour', 'Hour')], max_length=16)),
                ('value', models.CharField(blank=True, db_collation='C', max_length=255)),
                ('organization', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, to='tenants.organization')),
            ],
            options={
                'db_table': 'analytics_org_block',
                'abstract': False,
                'base_manager_name': 'all_orgs',
                'default_manager_name': 'all_orgs',
                'constraints': [models.UniqueConstraint(fields=('organization', 'dimension', 'bucket', 'value'), include=('scans', 'unique_scans', 'bot_scans'), name='org_block_key')],
            },
            managers=[
                ('all_orgs', django.db.models.manager.Manager()),
            ],
        ),
        migrations.CreateModel(
            name='QRScanRollup',
            fields=[
                ('id', models.BigAutoField(primary_key=True, serialize=False)),
                ('grain', models.CharField(choices=[('d', 'Day'), ('w', 'Month week'), ('m', 'Month'), ('q', 'Quarter')], max_length=1)),
                ('period', models.DateField(help_text='First UTC day of the block.')),
                ('bucket', models.IntegerField(help_text='grain code * 100,000 + days from 1970-01-01 to period.')),
                ('scans', models.IntegerField(default=0, help_text='Non-bot scans (human + duplicate).')),
                ('unique_scans', models.IntegerField(default=0, help_text='Human, non-duplicate scans.')),
                ('bot_scans', models.IntegerField(default=0, help_text='Bot scans (dimension total only).')),
                ('organization', models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, to='tenants.organization')),
                ('qr_code', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='qrcodes.qrcode')),
            ],
            options={
                'db_table': 'analytics_qr_block',
                'abstract': False,
                'base_manager_name': 'all_orgs',
                'default_manager_name': 'all_orgs',
                'indexes': [models.Index(fields=['organization', 'bucket'], include=('qr_code', 'scans', 'unique_scans', 'bot_scans'), name='qr_block_org_bucket')],
                'constraints': [models.UniqueConstraint(fields=('organization', 'qr_code', 'bucket'), include=('scans', 'unique_scans', 'bot_scans'), name='qr_block_key')],
            },
            managers=[
                ('all_orgs', django.db.models.manager.Manager()),
            ],
        ),
            migrations.RunPython(rebuild, migrations.RunPython.noop, elidable=True),
    ]
