"""The console's models: ConsoleAccess only carries its permissions; ScanCell and ScanCellDay hold
the daily scan cells its reports read."""

from django.db import models


class ConsoleAccess(models.Model):
    """Permissions of the OI console that belong to no tenant model (no table)."""

    class Meta:
        managed = False
        default_permissions = ()
        permissions = [
            ("view_reports", "Can view the cross-tenant reports"),
            ("export_data", "Can export reports and admin rows as CSV"),
        ]

    def __str__(self) -> str:
        return "OI console access"


class Daypart(models.TextChoices):
    """Disjoint hour buckets (UTC): [0,6) night, [6,12) morning, [12,18) afternoon, [18,24) evening.
    The seed's BETWEEN 6 AND 12 / 12 AND 18 / 18 AND 24 counted hours 12 and 18 twice."""

    WHOLE_DAY = "", "Whole day"
    NIGHT = "night"
    MORNING = "morning"
    AFTERNOON = "afternoon"
    EVENING = "evening"


class ScanCell(models.Model):
    """Platform-wide daily scan counts per (location, device type, daypart), built from the raw
    events by oi_admin.cells. No organization and no QR code in it: it is the source of the
    geographic heat map, the staff scans API and the monetization export, read by day range.
    Non-bot events only (human + duplicate); pending (unclassified) events are not in it.

    daypart "" rows are the whole day; their distinct-scanner counts are not the sum of the
    daypart rows (one person may scan morning and evening), which is why both are stored."""

    id = models.BigAutoField(primary_key=True)
    day = models.DateField()
    daypart = models.CharField(max_length=9, choices=Daypart.choices, blank=True)
    country_code = models.CharField(max_length=2, blank=True)
    country = models.CharField(max_length=128, blank=True)
    state = models.CharField(max_length=128, blank=True)
    city = models.CharField(max_length=128, blank=True)
    device_type = models.CharField(max_length=16, blank=True)
    scans = models.BigIntegerField(default=0, help_text="Human + duplicate scans.")
    unique_scans = models.BigIntegerField(default=0, help_text="Human scans (duplicates excluded).")
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    shared_scans = models.BigIntegerField(default=0, help_text="Scans of organizations that share data.")
    shared_scanners = models.IntegerField(
        default=0, help_text="Distinct (hashed IP, user agent) among shared_scans."
    )

    class Meta:
        db_table = "oi_admin_scan_cell"
        indexes = [models.Index(fields=["day", "daypart"], name="scan_cell_day")]
        verbose_name = "scan cell (daily aggregate)"

    def __str__(self) -> str:
        return f"{self.day} {self.country_code} {self.city} {self.device_type} {self.daypart or 'day'}"


class ScanCellDay(models.Model):
    """Which days have cells, when they were built and with which opted-out organizations."""

    day = models.DateField(primary_key=True)
    built_at = models.DateTimeField()
    opted_out_key = models.CharField(max_length=64, help_text="sha256 of the opted-out organization ids")

    class Meta:
        db_table = "oi_admin_scan_cell_day"
        ordering = ["-day"]

    def __str__(self) -> str:
        return f"{self.day} built {self.built_at:%Y-%m-%d %H:%M}"
