"""Rollup tables behind every dashboard chart, kept current by the scan workers
(analytics.rollups adds each counted event exactly once). Raw scans (qrcodes.ScanEvent) are
never read per page view.

- `OrgScanRollup`: per organization, block and dimension value: every unfiltered chart.
- `QRScanRollup`: per QR code and block, totals only (scans, unique, bots): top QR codes, the
  campaign comparison, and totals/series under a QR-code or campaign filter.
- `CountedScan`: one narrow row per counted non-bot scan with its breakdown values: breakdowns
  under a QR-code or campaign filter (an index-only scan over those QR codes' scans).
- `DimensionLabel`: per organization, the display label of a country or city value and the
  coordinates of a city (kept once per value, not once per rollup row).

A block is one of five nested calendar grains (analytics.periods): day, month week (days
1-7, 8-14, 15-21, 22-28, 29-end), month, quarter, year; `bucket` encodes (grain, period) as one
integer so a date range is one `bucket = ANY(...)` index condition. dimension "total" (value "")
carries scans/unique/bots; the others (country, city, device_type, os, browser, referrer,
hour) count non-bot scans per value.
"""

from __future__ import annotations

from django.db import models

from core.scoping import TenantOwnedModel


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
    WEEK = "w", "Month week"
    MONTH = "m"
    QUARTER = "q"
    YEAR = "y"


BREAKDOWN_DIMENSIONS = [d.value for d in Dimension if d != Dimension.TOTAL]
LABELLED_DIMENSIONS = (Dimension.COUNTRY, Dimension.CITY)

_COUNTERS = ["scans", "unique_scans", "bot_scans"]


def _organization() -> models.ForeignKey:
    # Every key below leads with organization_id, so the usual single-column index would only
    # slow the workers' upserts down.
    return models.ForeignKey("tenants.Organization", on_delete=models.CASCADE, db_index=False)


class BlockFields(TenantOwnedModel):
    id = models.BigAutoField(primary_key=True)
    organization = _organization()
    grain = models.CharField(max_length=1, choices=Grain.choices)
    period = models.DateField(help_text="First UTC day of the block.")
    bucket = models.IntegerField(help_text="grain code * 100,000 + days from 1970-01-01 to period.")
    # 32-bit counters on purpose (one block of one value of one tenant stays far below 2**31):
    # PostgreSQL sums int4 with an int8 accumulator, about twice as fast as int8's numeric one.
    scans = models.IntegerField(default=0, help_text="Non-bot scans (human + duplicate).")
    unique_scans = models.IntegerField(default=0, help_text="Human, non-duplicate scans.")
    bot_scans = models.IntegerField(default=0, help_text="Bot scans (dimension total only).")

    class Meta(TenantOwnedModel.Meta):
        abstract = True


class OrgScanRollup(BlockFields):
    dimension = models.CharField(max_length=16, choices=Dimension.choices)
    value = models.CharField(max_length=255, blank=True, db_collation="C")  # byte order: fast sorts, = Python's

    class Meta(BlockFields.Meta):
        db_table = "analytics_org_block"
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "dimension", "bucket", "value"],
                name="org_block_key",
                include=_COUNTERS,  # a breakdown over a range is one index-only scan
            ),
        ]
        indexes = [
            # The OI console's "countries reached" (oi_admin.selectors.best_performing) reads the
            # month rows of every tenant's countries; this keeps that an index-only scan.
            models.Index(fields=["organization", "value"], name="org_block_month_country",
                         condition=models.Q(grain="m", dimension="country"), include=["scans"]),
        ]

    def __str__(self) -> str:
        return f"{self.organization_id} {self.grain}{self.period} {self.dimension}={self.value}"


class QRScanRollup(BlockFields):
    qr_code = models.ForeignKey("qrcodes.QRCode", on_delete=models.CASCADE, related_name="+")

    class Meta(BlockFields.Meta):
        db_table = "analytics_qr_block"
        constraints = [
            # QR-code and campaign filters: (organization, qr_code) first.
            models.UniqueConstraint(fields=["organization", "qr_code", "bucket"], name="qr_block_key",
                                    include=_COUNTERS),
        ]
        indexes = [
            # Top QR codes and campaigns over a range, every QR code: an index-only scan.
            models.Index(fields=["organization", "bucket"], name="qr_block_org_bucket",
                         include=["qr_code", *_COUNTERS]),
        ]

    def __str__(self) -> str:
        return f"{self.qr_code_id} {self.grain}{self.period}"


class CountedScan(TenantOwnedModel):
    """One row per counted non-bot scan with its breakdown values already bucketed (the same
    rules as the rollups), written by the workers with the rollups. It serves breakdowns under
    a QR-code or campaign filter: the index (organization, qr_code, day) carries every value,
    so such a breakdown is one index-only scan over the chosen QR codes' scans in the range,
    never a read of the wide raw events.

    No foreign key to the QR code (a deleted code's rows are never asked for again, and a
    constraint would make every QR-code delete scan this table) nor to the raw event (raw
    events may be archived; these rows are aggregates' source of truth for the breakdowns)."""

    event_id = models.BigIntegerField(primary_key=True, help_text="qr_scan_events.id")
    organization = _organization()
    qr_code_id = models.UUIDField()
    day = models.DateField(help_text="UTC day of the scan.")
    is_unique = models.BooleanField(help_text="Human, non-duplicate.")
    country = models.CharField(max_length=2, blank=True, db_collation="C")
    city = models.CharField(max_length=255, blank=True, db_collation="C")
    device_type = models.CharField(max_length=255, blank=True, db_collation="C")
    os = models.CharField(max_length=255, blank=True, db_collation="C")
    browser = models.CharField(max_length=255, blank=True, db_collation="C")
    referrer = models.CharField(max_length=255, blank=True, db_collation="C")
    hour = models.CharField(max_length=2, db_collation="C")

    class Meta(TenantOwnedModel.Meta):
        db_table = "analytics_counted_scan"
        indexes = [
            models.Index(fields=["organization", "qr_code_id", "day"], name="counted_scan_qr_day",
                         include=["is_unique", "country", "city", "device_type", "os", "browser", "referrer",
                                  "hour"]),
        ]

    def __str__(self) -> str:
        return f"scan {self.event_id} of {self.qr_code_id} on {self.day}"


class DimensionLabel(TenantOwnedModel):
    """Display label of a country ("United Kingdom") or city ("London, United Kingdom") value,
    and a city's coordinates for the map. The greatest label/coordinates seen win, so the
    incremental path and the rebuild agree whatever order events arrive in."""

    id = models.BigAutoField(primary_key=True)
    organization = _organization()
    dimension = models.CharField(max_length=16, choices=Dimension.choices)
    value = models.CharField(max_length=255, db_collation="C")
    label = models.CharField(max_length=255, blank=True)
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)

    class Meta(TenantOwnedModel.Meta):
        db_table = "analytics_value_label"
        constraints = [
            models.UniqueConstraint(fields=["organization", "dimension", "value"], name="value_label_key",
                                    include=["label", "latitude", "longitude"]),
        ]

    def __str__(self) -> str:
        return f"{self.dimension}={self.value}: {self.label}"


class HotQRCode(TenantOwnedModel):
    """A QR code busy enough (ANALYTICS_HOT_QR_SCANS all-time scans) to get per-QR dimension
    blocks (QRDimensionRollup): a breakdown under its filter then reads a few hundred block rows
    per month instead of one CountedScan row per scan. Promotion (analytics.hot_codes) backfills
    its blocks from CountedScan; codes stay hot."""

    qr_code_id = models.UUIDField(primary_key=True)
    organization = _organization()
    since = models.DateTimeField(auto_now_add=True)

    class Meta(TenantOwnedModel.Meta):
        db_table = "analytics_hot_qr"
        indexes = [models.Index(fields=["organization", "qr_code_id"], name="hot_qr_org")]

    def __str__(self) -> str:
        return f"hot {self.qr_code_id}"


HOT_GRAINS = (Grain.MONTH, Grain.QUARTER, Grain.YEAR)


class QRDimensionRollup(TenantOwnedModel):
    """Per hot QR code: non-bot scans per breakdown value in month, quarter and year blocks
    (the days and month weeks at a range's ends still come from CountedScan)."""

    id = models.BigAutoField(primary_key=True)
    organization = _organization()
    qr_code_id = models.UUIDField()
    dimension = models.CharField(max_length=16, choices=Dimension.choices)
    value = models.CharField(max_length=255, blank=True, db_collation="C")
    grain = models.CharField(max_length=1, choices=Grain.choices)
    period = models.DateField(help_text="First UTC day of the block.")
    bucket = models.IntegerField(help_text="grain code * 100,000 + days from 1970-01-01 to period.")
    scans = models.IntegerField(default=0, help_text="Non-bot scans (human + duplicate).")
    unique_scans = models.IntegerField(default=0, help_text="Human, non-duplicate scans.")

    class Meta(TenantOwnedModel.Meta):
        db_table = "analytics_qr_dim_block"
        constraints = [
            models.UniqueConstraint(fields=["organization", "qr_code_id", "bucket", "dimension", "value"],
                                    name="qr_dim_block_key", include=["scans", "unique_scans"]),
        ]

    def __str__(self) -> str:
        return f"{self.qr_code_id} {self.grain}{self.period} {self.dimension}={self.value}"
