"""The QR studio's rows: a code's design, the organization's brand kits, frozen artwork
versions and bulk CSV imports. A design is stored as the JSON of studio.design.Design
(validated by design_parse before it is written); fields are not columns because a design is
read and written whole and rendered, never filtered on."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from core.scoping import TenantOwnedModel


class QRDesign(TenantOwnedModel):
    """The current design of one QR code (absent: the plain black-on-white default)."""

    qr_code = models.OneToOneField("qrcodes.QRCode", on_delete=models.CASCADE, related_name="design")
    design = models.JSONField(default=dict)
    brand_kit = models.ForeignKey("studio.BrandKit", null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta(TenantOwnedModel.Meta):
        db_table = "studio_qr_designs"

    def __str__(self) -> str:
        return f"design of {self.qr_code_id}"


class BrandKit(TenantOwnedModel):
    """A named style an organization's team applies in one click; at most one is the default
    for new codes."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=80)
    design = models.JSONField(default=dict)
    is_default = models.BooleanField(default=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta(TenantOwnedModel.Meta):
        db_table = "studio_brand_kits"
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="brand_kit_org_name"),
            models.UniqueConstraint(fields=["organization"], condition=models.Q(is_default=True),
                                    name="brand_kit_one_default"),
        ]

    def __str__(self) -> str:
        return self.name


class ArtworkVersion(TenantOwnedModel):
    """A print file as it was downloaded: design, output options, the rendered bytes (in the
    default storage) and the print-ready checks. Never changed: a reprint is byte-identical."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    qr_code = models.ForeignKey("qrcodes.QRCode", on_delete=models.CASCADE, related_name="artwork_versions")
    number = models.PositiveIntegerField()
    design = models.JSONField()
    output = models.JSONField()  # format, width_px / mm, dpi, crop_marks
    checks = models.JSONField()
    storage_path = models.CharField(max_length=512)
    content_type = models.CharField(max_length=64)
    byte_size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta(TenantOwnedModel.Meta):
        db_table = "studio_artwork_versions"
        ordering = ["qr_code", "-number"]
        constraints = [models.UniqueConstraint(fields=["qr_code", "number"], name="artwork_qr_number")]

    def __str__(self) -> str:
        return f"artwork v{self.number} of {self.qr_code_id}"


class BulkImport(TenantOwnedModel):
    """A CSV of codes to create (name, destination, location, campaign). Validated row by row;
    created all together or not at all; a worker reports progress in processed_rows."""

    class Status(models.TextChoices):
        PENDING = "pending"
        RUNNING = "running"
        DONE = "done"
        FAILED = "failed"  # rows had errors or the plan limit was reached: nothing created

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    file_name = models.CharField(max_length=255)
    source = models.TextField()  # the CSV text (bounded by the upload limit)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list)  # [{"row": 3, "column": "destination", "message": "..."}]
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta(TenantOwnedModel.Meta):
        db_table = "studio_bulk_imports"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"import {self.file_name}"
