import uuid

from django.conf import settings
from django.db import models

from core.scoping import TenantOwnedModel


class UploadedFile(TenantOwnedModel):
    """A file an organization stored. The object lives at storage_path in the default storage
    (local MEDIA_ROOT or a private S3-compatible bucket)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    uploaded_by_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    file_name = models.CharField(max_length=255)
    file_type = models.CharField(max_length=32)  # short kind: pdf, png, mp4, docx ...
    mime_type = models.CharField(max_length=127, blank=True)
    file_size_bytes = models.BigIntegerField()
    storage_path = models.CharField(max_length=512, unique=True)
    file_url = models.CharField(max_length=1024, blank=True)
    campaign = models.ForeignKey(
        "campaigns.Campaign", null=True, blank=True, on_delete=models.SET_NULL, related_name="uploads"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta(TenantOwnedModel.Meta):
        db_table = "uploaded_files"
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["organization", "-created_at"], name="upload_org_created")]

    def __str__(self) -> str:
        return self.file_name
