"""Rollup tables behind every dashboard chart. Raw scans (qrcodes.ScanEvent) are never read per
page view; the scan workers add each counted event here exactly once (analytics.rollups).

Two tables with the same shape:
- `QRScanRollup`: per QR code, so the QR-code and campaign filters work.
- `OrgScanRollup`: per organization, so unfiltered dashboards read a few hundred rows even for
  a tenant with thousands of QR codes.

Each row is (grain, period, dimension, value) -> counters. grain "d" rows hold one UTC day,
grain "m" rows one calendar month (period = its first day): a date range reads day rows only
for its ragged edges and month rows for the whole months in between, so a year costs about as
much as two months. dimension "total" (value "") carries scans/unique/bot for the period; the
others (country, city, device_type, os, browser, referrer, hour) count non-bot scans per value.
"""

from __future__ import annotations

from django.db import models

from tenants.scoping import TenantOwnedModel


class Dimension(models.TextChoices):
    TOTAL = "total"
    COUNTRY = "country"
    CITY = "city"
    DEVICE_TYPE = "device_type"
    OS = "os"
    BROWSER = "browser"
    REFERRER = "referrer"
    HOUR = "hour"


class Grain(models.TextChoices):
    DAY = "d"
    MONTH = "m"


BREAKDOWN_DIMENSIONS = [d.value for d in Dimension if d != Dimension.TOTAL]


class RollupFields(TenantOwnedModel):
    id = models.BigAutoField(primary_key=True)
    grain = models.CharField(max_length=1, choices=Grain.choices)
    period = models.DateField(help_text="The UTC day, or the first day of the month for grain m.")
    dimension = models.CharField(max_length=16, choices=Dimension.choices)
    value = models.CharField(max_length=255, blank=True)
    # Display name of the value (country name, "City, Country"); set when the row is created.
    label = models.CharField(max_length=255, blank=True)
    # City rows only: where to draw the bubble on the map.
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    scans = models.BigIntegerField(default=0, help_text="Non-bot scans (human + duplicate).")
    unique_scans = models.BigIntegerField(default=0, help_text="Human, non-duplicate scans.")
    bot_scans = models.BigIntegerField(default=0, help_text="Bot scans (dimension total only).")

    class Meta(TenantOwnedModel.Meta):
        abstract = True


class QRScanRollup(RollupFields):
    qr_code = models.ForeignKey("qrcodes.QRCode", on_delete=models.CASCADE, related_name="+")

    class Meta(RollupFields.Meta):
        db_table = "analytics_qr_rollup"
        constraints = [
            # Also the index for the QR-code and campaign filters (leading organization, qr_code).
            models.UniqueConstraint(
                fields=["organization", "qr_code", "grain", "dimension", "period", "value"],
                name="qr_rollup_key",
                include=["scans", "unique_scans", "bot_scans"],  # sums by index-only scans
            ),
        ]
        indexes = [
            # Top QR codes over a range without a QR filter: an index-only scan.
            models.Index(
                fields=["organization", "dimension", "grain", "period"],
                name="qr_rollup_org_dim_period",
                include=["qr_code", "scans", "unique_scans", "bot_scans"],
            ),
        ]

    def __str__(self) -> str:
        return f"{self.qr_code_id} {self.grain}{self.period} {self.dimension}={self.value}"


class OrgScanRollup(RollupFields):
    class Meta(RollupFields.Meta):
        db_table = "analytics_org_rollup"
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "grain", "dimension", "period", "value"],
                name="org_rollup_key",
                include=["scans", "unique_scans", "bot_scans"],  # sums by index-only scans
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organization_id} {self.grain}{self.period} {self.dimension}={self.value}"
