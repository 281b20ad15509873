"""Campaign share links: a share code per campaign (existing campaigns get one here), an
optional share destination, and the share clicks table (never scans of a QR code)."""

import secrets
import string

import django.db.models.deletion
import django.db.models.manager
from django.db import migrations, models

import qrcodes.services

# The QR codes' alphabet and length (qrcodes.services.short_code_generate), frozen here so the
# migration does not change if that function does.
_ALPHABET = string.ascii_letters + string.digits
_LENGTH = 10


def backfill_share_codes(apps, schema_editor):
    campaign = apps.get_model("campaigns", "Campaign")
    taken: set[str] = set()
    batch = []
    for row in campaign.all_orgs.filter(share_code__isnull=True).only("pk").iterator(chunk_size=2000):
        code = "".join(secrets.choice(_ALPHABET) for _ in range(_LENGTH))
        while code in taken:
            code = "".join(secrets.choice(_ALPHABET) for _ in range(_LENGTH))
        taken.add(code)
        row.share_code = code
        batch.append(row)
        if len(batch) >= 2000:
            campaign.all_orgs.bulk_update(batch, ["share_code"])
            batch = []
    if batch:
        campaign.all_orgs.bulk_update(batch, ["share_code"])


class Migration(migrations.Migration):

    dependencies = [
        ("campaigns", "0003_campaign_campaign_org_name"),
        ("tenants", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="campaign",
            name="share_code",
            field=models.CharField(max_length=16, null=True),
        ),
        migrations.RunPython(backfill_share_codes, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="campaign",
            name="share_code",
            field=models.CharField(default=qrcodes.services.short_code_generate, max_length=16, unique=True),
        ),
        migrations.AddField(
            model_name="campaign",
            name="share_url",
            field=models.URLField(blank=True, max_length=2048),
        ),
        migrations.CreateModel(
            name="CampaignShareClick",
            fields=[
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                ("clicked_at", models.DateTimeField()),
                ("is_bot", models.BooleanField(default=False)),
                ("ip_hash", models.CharField(blank=True, max_length=64)),
                ("user_agent", models.TextField(blank=True)),
                ("referrer_url", models.CharField(blank=True, max_length=2048)),
                ("campaign", models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE,
                                               related_name="share_clicks", to="campaigns.campaign")),
                ("organization", models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE,
                                                   to="tenants.organization")),
            ],
            options={
                "db_table": "campaign_share_clicks",
                "ordering": ["-clicked_at"],
                "abstract": False,
                "default_manager_name": "all_orgs",
                "base_manager_name": "all_orgs",
                "indexes": [
                    models.Index(condition=models.Q(("is_bot", False)), fields=["campaign", "clicked_at"],
                                 name="share_click_campaign_time"),
                    models.Index(fields=["organization", "clicked_at"], name="share_click_org_time"),
                ],
            },
            managers=[("all_orgs", django.db.models.manager.Manager())],
        ),
    ]
