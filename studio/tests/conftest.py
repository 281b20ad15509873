"""Shared fixtures of the studio tests: an organization (medium_business) with an Admin, an
Editor and a Viewer, a code, a real 300x200 PNG logo among its uploads, and a second
organization with its own code and logo, so a leak shows. Files go to a private temporary
storage per test (never .data/media)."""

from __future__ import annotations

import io
import uuid

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image, ImageDraw

from core.scoping import bind_organization
from qrcodes.services import qr_code_create
from tenants.tests.factories import OrganizationFactory, UserFactory
from uploads.models import UploadedFile


@pytest.fixture(autouse=True)
def studio_storage(settings, tmp_path):
    """Every studio test stores artwork and logos into its own temporary MEDIA_ROOT."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"}}
    return tmp_path / "media"


def logo_png_bytes(width: int = 300, height: int = 200) -> bytes:
    """A logo-like PNG: a navy rounded badge with an orange disc on white."""
    img = Image.new("RGB", (width, height), "#ffffff")
    draw = ImageDraw.Draw(img)
    draw.rounded_rectangle((8, 8, width - 8, height - 8), radius=min(width, height) // 6, fill="#1d2a5b")
    r = min(width, height) // 4
    draw.ellipse((width // 2 - r, height // 2 - r, width // 2 + r, height // 2 + r), fill="#f28c28")
    out = io.BytesIO()
    img.save(out, format="PNG")
    return out.getvalue()


def logo_upload_create(org, user, *, body: bytes | None = None, name: str = "logo.png",
                       file_type: str = "png") -> UploadedFile:
    """An UploadedFile row of `org` whose bytes are stored at its storage_path."""
    body = logo_png_bytes() if body is None else body
    path = default_storage.save(f"uploads/{org.pk}/{uuid.uuid4().hex}-{name}", ContentFile(body))
    return UploadedFile.all_orgs.create(
        organization=org, uploaded_by_user=user, file_name=name, file_type=file_type,
        mime_type="image/png" if file_type == "png" else "application/octet-stream",
        file_size_bytes=len(body), storage_path=path,
    )


def qr_create(org, user, **data):
    data.setdefault("name", "Front Door Menu")
    data.setdefault("qr_url", "https://pizzapalace.example/menu")
    with bind_organization(org):
        return qr_code_create(organization=org, actor=user, data=data)


@pytest.fixture
def studio_org(db):
    return OrganizationFactory(company_name="Studio Pizza", plan_type="medium_business")


@pytest.fixture
def studio_admin(studio_org):
    return UserFactory(organization=studio_org, email="admin@studio.example", role="Admin")


@pytest.fixture
def studio_editor(studio_org):
    return UserFactory(organization=studio_org, email="editor@studio.example", role="Editor")


@pytest.fixture
def studio_viewer(studio_org):
    return UserFactory(organization=studio_org, email="viewer@studio.example", role="Viewer")


@pytest.fixture
def studio_qr(studio_org, studio_admin):
    return qr_create(studio_org, studio_admin)


@pytest.fixture
def logo_upload(studio_org, studio_admin):
    return logo_upload_create(studio_org, studio_admin)


@pytest.fixture
def other_org(db):
    return OrganizationFactory(company_name="Other Hotel", plan_type="medium_business")


@pytest.fixture
def other_admin(other_org):
    return UserFactory(organization=other_org, email="admin@other.example", role="Admin")


@pytest.fixture
def other_org_qr(other_org, other_admin):
    return qr_create(other_org, other_admin, name="Hotel Lobby", qr_url="https://hotel.example/lobby")


@pytest.fixture
def other_org_logo(other_org, other_admin):
    return logo_upload_create(other_org, other_admin, name="hotel.png")
