import uuid

from django.conf import settings
from django.db import models

from core.scoping import TenantOwnedModel
from qrcodes.services import short_code_generate


class Campaign(TenantOwnedModel):
    """A campaign groups QR codes (printed placements) and uploads. Its share link
    (SITE_URL/l/<share_code>) is for social posts: clicks on it are CampaignShareClick rows,
    never scans of a QR code."""

    class Status(models.TextChoices):
        DRAFT = "draft"
        ACTIVE = "active"
        PAUSED = "paused"
        ENDED = "ended"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    created_by_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    name = models.CharField(max_length=255)
    description = models.TextField(blank=True)
    start_date = models.DateField(null=True, blank=True)
    end_date = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT)
    # Short random code of the share link /l/<share_code> (same alphabet and length as QR codes).
    share_code = models.CharField(max_length=16, unique=True, default=short_code_generate)
    # Where the share link sends people; blank: the destination of the campaign's first active QR code.
    share_url = models.URLField(max_length=2048, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta(TenantOwnedModel.Meta):
        db_table = "campaigns"
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["organization", "-created_at"], name="campaign_org_created"),
            # the dashboard's filter picker by name; also an index-only count per organization
            models.Index(fields=["organization", "name"], name="campaign_org_name", include=["id"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_date__isnull=True)
                | models.Q(start_date__isnull=True)
                | models.Q(end_date__gte=models.F("start_date")),
                name="campaign_end_not_before_start",
            )
        ]

    def __str__(self) -> str:
        return self.name


class CampaignShareClick(TenantOwnedModel):
    """One visit of a campaign's share link (/l/<code>): a share channel of the campaign, never
    a scan of a printed QR code (it touches no QR code's counters, rollups or scan events).
    Written with one INSERT on the request path; bots are kept but flagged and not counted."""

    id = models.BigAutoField(primary_key=True)
    organization = models.ForeignKey("tenants.Organization", on_delete=models.CASCADE, db_index=False)
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="share_clicks", db_index=False)
    clicked_at = models.DateTimeField()
    is_bot = models.BooleanField(default=False)
    ip_hash = models.CharField(max_length=64, blank=True)
    user_agent = models.TextField(blank=True)
    referrer_url = models.CharField(max_length=2048, blank=True)

    class Meta(TenantOwnedModel.Meta):
        db_table = "campaign_share_clicks"
        ordering = ["-clicked_at"]
        indexes = [
            # the campaign page's clicks per day and the campaign stats (index-only for non-bots)
            models.Index(fields=["campaign", "clicked_at"], name="share_click_campaign_time",
                         condition=models.Q(is_bot=False)),
            models.Index(fields=["organization", "clicked_at"], name="share_click_org_time"),
        ]

    def __str__(self) -> str:
        return f"share click {self.pk} of {self.campaign_id}"
