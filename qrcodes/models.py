import uuid

from django.conf import settings
from django.db import models

from core.enums import Classification
from core.scoping import TenantOwnedModel


class QRCode(TenantOwnedModel):
    """A QR code. It encodes SITE_URL/s/<short_code> and sends scanners to qr_url or to the
    linked upload. total_scans / last_scanned_at are written by the scan workers only."""

    class Status(models.TextChoices):
        ACTIVE = "active"
        PAUSED = "paused"
        ARCHIVED = "archived"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    created_by_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    name = models.CharField(max_length=255)
    location = models.CharField(max_length=255, blank=True)
    qr_url = models.URLField(max_length=2048, blank=True)
    linked_content = models.ForeignKey(
        "uploads.UploadedFile", null=True, blank=True, on_delete=models.SET_NULL, related_name="qr_codes"
    )
    campaign = models.ForeignKey(
        "campaigns.Campaign", null=True, blank=True, on_delete=models.SET_NULL, related_name="qr_codes"
    )
    short_code = models.CharField(max_length=16, unique=True)
    # Smart destinations (qrcodes.routing): rules, limits and UTM tags, validated by
    # routing_parse before they are written; {} = the destination above, always.
    routing = models.JSONField(default=dict, blank=True, db_default={})
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.ACTIVE)
    total_scans = models.BigIntegerField(default=0)
    last_scanned_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta(TenantOwnedModel.Meta):
        db_table = "qr_codes"
        ordering = ["-created_at"]
        verbose_name = "QR code"
        indexes = [
            models.Index(fields=["organization", "status"], name="qr_org_status"),
            models.Index(fields=["organization", "-total_scans"], name="qr_org_scans"),
            # the dashboard's filter picker (first codes by name) and its search
            models.Index(fields=["organization", "name"], name="qr_org_name", include=["id"]),
            # campaign comparison: every code's campaign, index-only
            models.Index(fields=["organization", "campaign"], name="qr_org_campaign", include=["id"]),
        ]

    def __str__(self) -> str:
        return self.name


class ScanEvent(TenantOwnedModel):
    """One scan, kept forever (classified, never deleted). The request path writes the raw
    capture; workers fill the enrichment fields and count it (counted_at) exactly once.

    The primary key is a bigint identity rather than the seed's UUID: this is the one
    append-only, high-volume table, and a sequential key keeps its index small and hot."""

    Classification = Classification  # core.enums: the raw SQL of other apps uses the same enum

    id = models.BigAutoField(primary_key=True)
    # Every index is paid for on the hot INSERT: organization alone is covered by scan_org_time.
    organization = models.ForeignKey("tenants.Organization", on_delete=models.CASCADE, db_index=False)
    # No single-column index: scan_qr_dupe below leads with qr_code (cascades and the
    # duplicate lookup use it), and every index is paid for on the hot INSERT.
    qr_code = models.ForeignKey(QRCode, on_delete=models.CASCADE, related_name="scan_events", db_index=False)
    scanned_at = models.DateTimeField(db_index=False)
    method = models.CharField(max_length=8, default="GET")
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    ip_hash = models.CharField(max_length=64, blank=True)
    user_agent = models.TextField(blank=True)
    referrer_url = models.CharField(max_length=2048, blank=True)
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    city = models.CharField(max_length=128, blank=True)
    state = models.CharField(max_length=128, blank=True)
    country = models.CharField(max_length=128, blank=True)
    country_code = models.CharField(max_length=2, blank=True)
    device_type = models.CharField(max_length=16, blank=True)
    os = models.CharField(max_length=64, blank=True)
    browser = models.CharField(max_length=64, blank=True)
    classification = models.CharField(
        max_length=16, choices=Classification.choices, default=Classification.PENDING
    )
    enriched_at = models.DateTimeField(null=True, blank=True)
    counted_at = models.DateTimeField(null=True, blank=True)
    # Which of the code's rules served the scan (index; -1 expired, -2 used up; NULL: the
    # default destination) and which A/B variant; set on the INSERT (qrcodes.routing).
    rule = models.SmallIntegerField(null=True, blank=True)
    variant = models.SmallIntegerField(null=True, blank=True)

    class Meta(TenantOwnedModel.Meta):
        db_table = "qr_scan_events"
        ordering = ["-scanned_at"]
        indexes = [
            models.Index(fields=["organization", "scanned_at"], name="scan_org_time"),
            models.Index(fields=["organization", "qr_code", "scanned_at"], name="scan_org_qr_time"),
            models.Index(
                fields=["id"], name="scan_pending", condition=models.Q(counted_at__isnull=True)
            ),
            # Duplicate classification: same QR + hashed IP (+ UA) within a time window.
            models.Index(fields=["qr_code", "ip_hash", "scanned_at"], name="scan_qr_dupe"),
        ]

    def __str__(self) -> str:
        return f"scan {self.pk} of {self.qr_code_id}"


class DestinationVersion(TenantOwnedModel):
    """A code's destination and routing as they were set at one moment (who, when, what), or
    as they will be from `effective_at` (scheduled; beat applies it). Rollback makes a new
    version with an old one's content."""

    id = models.BigAutoField(primary_key=True)
    qr_code = models.ForeignKey(QRCode, on_delete=models.CASCADE, related_name="destination_versions")
    number = models.PositiveIntegerField()
    qr_url = models.URLField(max_length=2048, blank=True)
    routing = models.JSONField(default=dict)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    effective_at = models.DateTimeField(null=True, blank=True)  # a scheduled change; NULL: at once
    applied_at = models.DateTimeField(null=True, blank=True)  # when it became the code's destination
    note = models.CharField(max_length=200, blank=True)

    class Meta(TenantOwnedModel.Meta):
        db_table = "qr_destination_versions"
        ordering = ["qr_code", "-number"]
        constraints = [models.UniqueConstraint(fields=["qr_code", "number"], name="destination_version_number")]
        indexes = [models.Index(fields=["effective_at"], name="destination_version_due",
                                condition=models.Q(applied_at__isnull=True))]

    def __str__(self) -> str:
        return f"v{self.number} of {self.qr_code_id}"
