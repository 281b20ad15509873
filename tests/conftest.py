"""Fixtures for the cross-cutting tests in tests/ (schema, fuzzing, isolation matrix): one
organization's worth of every kind of object, built through the services like a user would."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.core.cache import caches
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer

from campaigns.services import campaign_create
from core.scoping import bind_organization
from qrcodes.destinations import qr_routing_set
from qrcodes.models import QRCode, ScanEvent
from qrcodes.services import qr_code_create
from studio.models import BrandKit, BulkImport
from studio.output import OutputOptions
from studio.services import artwork_create
from tenants.models import Organization, PlanChangeRequest, User
from tenants.plans import PLANS
from tenants.tests.factories import UserFactory
from uploads.models import UploadedFile
from uploads.services import upload_create
from uploads.tests.samples import pdf_file


@dataclass
class TenantWorld:
    """One organization's objects, by kind (the names the isolation matrix uses)."""

    organization: Organization
    admin: User
    objects: dict[str, Any] = field(default_factory=dict)

    def id(self, kind: str) -> str:
        return str(self.objects[kind].pk)


def world_build(org: Organization, admin: User, *, tag: str) -> TenantWorld:
    """A campaign, a QR code in it, an uploaded file, a QR code pointing at that file, a
    Viewer to manage on the team, and one scan: the objects every tenant-owned URL names."""
    with bind_organization(org):
        campaign = campaign_create(organization=org, actor=admin, data={
            "name": f"{tag} spring campaign", "description": "Spring menu",
            "start_date": dt.date(2025, 3, 1), "end_date": dt.date(2025, 5, 31),
        })
        qr = qr_code_create(organization=org, actor=admin, data={
            "name": f"{tag} front door", "location": "Entrance", "qr_url": f"https://{tag}.example/menu",
            "campaign_id": str(campaign.pk),
        })
        upload = upload_create(organization=org, actor=admin, file=pdf_file(f"{tag}-menu.pdf"),
                               campaign_id=str(campaign.pk))
        content_qr = qr_code_create(organization=org, actor=admin, data={
            "name": f"{tag} menu file", "linked_content_id": str(upload.pk),
        })
        member = UserFactory(organization=org, role=User.Role.VIEWER, email=f"member@{tag}.example",
                             full_name=f"{tag} member")
        now = timezone.now()
        ScanEvent.objects.create(
            organization=org, qr_code=qr, scanned_at=now, classification="human", country_code="US",
            country="United States", city="Chicago", device_type="mobile", os="iOS 16.0",
            browser="Mobile Safari 16.0", ip_address="203.0.113.7", user_agent="Mozilla/5.0 (iPhone)",
            enriched_at=now, counted_at=now,
        )
        # a decided plan-change request (a pending one would block the Plan page's request write)
        plan_request = PlanChangeRequest.objects.create(
            organization=org, requested_by=admin, from_plan=org.plan_type, status="cancelled",
            to_plan=next(k for k in PLANS if k != org.plan_type))
        # the studio: a brand kit (not the default: new codes stay plain), a finished CSV import,
        # and the first print file of the code
        kit = BrandKit.objects.create(organization=org, name=f"{tag} kit", design={"fg": "#1d2a5b"})
        bulk_import = BulkImport.objects.create(organization=org, created_by=admin, file_name=f"{tag}-codes.csv",
                                                source="name,destination\n", status=BulkImport.Status.DONE)
        artwork_create(organization=org, actor=admin, qr_code_id=qr.pk, output=OutputOptions(format="svg", width_mm=30))
        # smart destinations: versions 1 (as created) and 2 (an iOS rule), so rollbacks name real versions
        qr_routing_set(organization=org, actor=admin, qr_code_id=qr.pk,
                       routing={"rules": [{"kind": "device", "devices": ["ios"], "url": f"https://{tag}.example/app"}]})
    return TenantWorld(org, admin, {
        "campaign": campaign, "qr_code": qr, "content_qr_code": content_qr, "upload": upload, "user": member,
        "plan_request": plan_request, "brand_kit": kit, "bulk_import": bulk_import,
    })


@pytest.fixture(autouse=True)
def _local_media(settings, tmp_path):
    """Uploads of these tests go to a temporary MEDIA_ROOT, never .data/media."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"}}
    caches["scan_lookup"].clear()
    yield
    caches["scan_lookup"].clear()


def row_snapshot(obj: Any) -> dict[str, Any]:
    """Every column of a row as stored now (cross-tenant read on purpose: the test checks that
    another organization's row was not touched)."""
    model = type(obj)
    manager = model.all_orgs if hasattr(model, "all_orgs") else model._default_manager
    row = manager.filter(pk=obj.pk).values().first()
    return row or {}


def counters_snapshot() -> dict[str, Any]:
    """Per-organization counters and row counts of every tenant-owned table that a request
    could change."""
    return {
        "orgs": list(Organization.objects.order_by("pk").values(
            "pk", "total_qr_codes", "total_qr_scans", "total_uploads", "storage_used_bytes", "status")),
        "qr_codes": QRCode.all_orgs.count(),
        "uploads": UploadedFile.all_orgs.count(),
        "users": User.objects.count(),
        "scans": ScanEvent.all_orgs.count(),
    }


def api_schema_document() -> dict[str, Any]:
    """The OpenAPI document /api/schema/ serves, as JSON (built without a request)."""
    document = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(document, renderer_context={}))
