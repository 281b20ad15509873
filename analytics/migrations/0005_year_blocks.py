"""Year blocks (grain "y"): a range ending today reads the current year's block whole
(analytics.periods). The year rows are the sums of their quarters' rows, written here under
an EXCLUSIVE lock; deploy with the workers stopped (old workers would not write year rows), or
run `manage.py scan_counters_recompute` afterwards."""

from django.db import migrations, models

_LOCK = "LOCK TABLE analytics_org_block, analytics_qr_block IN EXCLUSIVE MODE"
_YEAR = "date_trunc('year', period)::date"
_BUCKET = f"(500000 + ({_YEAR} - DATE '1970-01-01'))"
_FORWARD = [
    _LOCK,
    f"""INSERT INTO analytics_org_block (organization_id, dimension, value, grain, period, bucket, scans,
                                         unique_scans, bot_scans)
        SELECT organization_id, dimension, value, 'y', {_YEAR}, {_BUCKET}, sum(scans), sum(unique_scans),
               sum(bot_scans)
        FROM analytics_org_block WHERE grain = 'q' GROUP BY organization_id, dimension, value, {_YEAR}""",
    f"""INSERT INTO analytics_qr_block (organization_id, qr_code_id, grain, period, bucket, scans, unique_scans,
                                        bot_scans)
        SELECT organization_id, qr_code_id, 'y', {_YEAR}, {_BUCKET}, sum(scans), sum(unique_scans), sum(bot_scans)
        FROM analytics_qr_block WHERE grain = 'q' GROUP BY organization_id, qr_code_id, {_YEAR}""",
]
_BACKWARD = [_LOCK, "DELETE FROM analytics_org_block WHERE grain = 'y'", "DELETE FROM analytics_qr_block WHERE grain = 'y'"]


class Migration(migrations.Migration):

    dependencies = [
        ('analytics', '0004_org_block_month_country'),
    ]

    operations = [
        migrations.AlterField(
            model_name='orgscanrollup',
            name='grain',
            field=models.CharField(choices=[('d', 'Day'), ('w', 'Month week'), ('m', 'Month'), ('q', 'Quarter'), ('y', 'Year')], max_length=1),
        ),
        migrations.AlterField(
            model_name='qrscanrollup',
            name='grain',
            field=models.CharField(choices=[('d', 'Day'), ('w', 'Month week'), ('m', 'Month'), ('q', 'Quarter'), ('y', 'Year')], max_length=1),
        ),
        migrations.RunSQL(_FORWARD, _BACKWARD),
    ]
