"""studio.services: numbered print files under concurrency, nothing stored for a refused
design, the default brand kit on new codes, and logos that must be the organization's."""

from __future__ import annotations

import threading
import time

import pytest
from django.core.files.storage import default_storage
from django.db import close_old_connections, connection

from core.errors import PermissionDenied, ValidationFailed
from core.scoping import bind_organization
from studio import services
from studio.design import DEFAULT, Design
from studio.errors import NotPrintReady
from studio.models import ArtworkVersion, BrandKit, QRDesign
from studio.output import OutputOptions
from studio.tests.conftest import logo_upload_create, qr_create
from tenants.models import ActivityLog
from uploads.tests.samples import pdf_bytes

PNG = OutputOptions(format="png", width_px=512, width_mm=None)
SVG = OutputOptions(format="svg", width_mm=40)
PDF = OutputOptions(format="pdf", width_mm=40)


def _create(org, user, qr, output, design=None):
    with bind_organization(org):
        return services.artwork_create(organization=org, actor=user, qr_code_id=qr.pk, output=output, design=design)


def _stored_files(root) -> list:
    return [p for p in (root / "artwork").rglob("*") if p.is_file()] if (root / "artwork").exists() else []


class _SlowStorage:
    """default_storage, but saving waits: the numbering's critical section is held open, so
    racers without the row lock would both take the same number."""

    def save(self, name, content):
        time.sleep(0.3)
        return default_storage.save(name, content)

    def delete(self, name):
        return default_storage.delete(name)


def _race(org, user, qr, outputs) -> tuple[list[ArtworkVersion], list[Exception]]:
    barrier = threading.Barrier(len(outputs))
    versions: list[ArtworkVersion] = []
    errors: list[Exception] = []

    def run(output: OutputOptions) -> None:
        try:
            barrier.wait()
            versions.append(_create(org, user, qr, output))
        except Exception as e:  # noqa: BLE001 - the test reports whatever a racer hit
            errors.append(e)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(o,)) for o in outputs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    close_old_connections()
    return versions, errors


@pytest.mark.django_db(transaction=True)
def test_concurrent_print_files_get_consecutive_numbers(studio_org, studio_admin, studio_qr, monkeypatch,
                                                        studio_storage):
    monkeypatch.setattr(services, "default_storage", _SlowStorage())
    versions, errors = _race(studio_org, studio_admin, studio_qr, [PNG, SVG, PDF])
    assert errors == []
    assert sorted(v.number for v in versions) == [1, 2, 3]
    rows = ArtworkVersion.all_orgs.filter(qr_code=studio_qr)
    assert sorted(rows.values_list("number", flat=True)) == [1, 2, 3]
    assert len(_stored_files(studio_storage)) == 3


@pytest.mark.django_db(transaction=True)
def test_the_same_file_asked_twice_at_once_is_stored_once(studio_org, studio_admin, studio_qr, monkeypatch,
                                                          studio_storage):
    monkeypatch.setattr(services, "default_storage", _SlowStorage())
    versions, errors = _race(studio_org, studio_admin, studio_qr, [PNG, PNG])
    assert errors == []
    assert [v.number for v in versions] == [1, 1] and versions[0].pk == versions[1].pk
    assert ArtworkVersion.all_orgs.filter(qr_code=studio_qr).count() == 1
    assert len(_stored_files(studio_storage)) == 1


@pytest.mark.django_db
def test_a_design_that_fails_stores_no_file_and_no_row(studio_org, studio_admin, studio_qr, studio_storage):
    with pytest.raises(NotPrintReady) as caught:
        _create(studio_org, studio_admin, studio_qr, PDF, design=Design(fg="#ff0000", bg="#ff0001"))
    assert caught.value.status_code == 422 and {"contrast", "decode"} <= set(caught.value.detail)
    assert "4.5:1" in caught.value.detail["contrast"]
    assert not ArtworkVersion.all_orgs.exists() and _stored_files(studio_storage) == []
    assert not ActivityLog.all_orgs.filter(action="create_artwork").exists()


@pytest.mark.django_db
def test_a_row_that_cannot_be_written_leaves_no_file(studio_org, studio_admin, studio_qr, studio_storage, monkeypatch):
    def refuse(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(ArtworkVersion.objects, "create", refuse)
    with pytest.raises(RuntimeError):
        _create(studio_org, studio_admin, studio_qr, SVG)
    assert _stored_files(studio_storage) == []


@pytest.mark.django_db
def test_a_version_keeps_its_design_checks_and_bytes(studio_org, studio_viewer, studio_qr, logo_upload):
    design = Design(fg="#1d2a5b", logo=str(logo_upload.pk), frame="below", frame_text="Menu")
    version = _create(studio_org, studio_viewer, studio_qr, PNG, design=design)  # a Viewer may print
    assert version.number == 1 and version.created_by == studio_viewer
    assert version.design == design.as_dict() and version.output["width_px"] == 512
    assert version.checks["print_ready"] is True and version.content_type == "image/png"
    with default_storage.open(version.storage_path, "rb") as fh:
        body = fh.read()
    assert len(body) == version.byte_size and body.startswith(b"\x89PNG")
    log = ActivityLog.all_orgs.get(action="create_artwork")
    assert log.metadata == {"name": studio_qr.name, "format": "png", "version": 1}


# ---- the default brand kit ------------------------------------------------------------------

@pytest.mark.django_db
def test_a_new_code_starts_from_the_default_brand_kit(studio_org, studio_admin, other_org, other_admin):
    navy = {**DEFAULT.as_dict(), "fg": "#1d2a5b", "frame": "below", "frame_text": "Scan for the menu"}
    BrandKit.all_orgs.create(organization=studio_org, name="Plain", design=DEFAULT.as_dict())
    kit = BrandKit.all_orgs.create(organization=studio_org, name="Navy", design=navy, is_default=True)
    BrandKit.all_orgs.create(organization=other_org, name="Zebra", is_default=True,
                             design={**DEFAULT.as_dict(), "fg": "#7a1f1f"})
    qr = qr_create(studio_org, studio_admin, name="Table tent")
    row = QRDesign.all_orgs.get(qr_code=qr)
    assert row.design == navy and row.brand_kit == kit and row.organization == studio_org
    other = qr_create(other_org, other_admin, name="Lobby")
    assert QRDesign.all_orgs.get(qr_code=other).design["fg"] == "#7a1f1f"


@pytest.mark.django_db
def test_without_a_default_kit_a_new_code_has_the_plain_design(studio_org, studio_admin):
    BrandKit.all_orgs.create(organization=studio_org, name="Navy", design={**DEFAULT.as_dict(), "fg": "#1d2a5b"})
    qr = qr_create(studio_org, studio_admin)
    assert not QRDesign.all_orgs.filter(qr_code=qr).exists()


# ---- logos and roles ----------------------------------------------------------------------------

@pytest.mark.django_db
def test_design_validate_refuses_another_organizations_logo(studio_org, logo_upload, other_org_logo):
    with bind_organization(studio_org):
        with pytest.raises(ValidationFailed) as caught:
            services.design_validate(organization=studio_org, data={"logo": str(other_org_logo.pk)}, base=DEFAULT)
        assert caught.value.detail == {"logo": "Choose one of your uploaded images."}
        with pytest.raises(ValidationFailed):  # a Design built elsewhere is checked the same way
            services.design_validate(organization=studio_org, data=Design(logo=str(other_org_logo.pk)), base=DEFAULT)
        ok = services.design_validate(organization=studio_org, data={"logo": str(logo_upload.pk)}, base=DEFAULT)
    assert ok.logo == str(logo_upload.pk) and ok.effective_ecc == "H"


@pytest.mark.django_db
def test_a_logo_must_be_an_image(studio_org, studio_admin):
    pdf = logo_upload_create(studio_org, studio_admin, body=pdf_bytes(), name="menu.pdf", file_type="pdf")
    fake = logo_upload_create(studio_org, studio_admin, body=b"not a png at all", name="fake.png")
    with bind_organization(studio_org):
        with pytest.raises(ValidationFailed) as caught:
            services.design_validate(organization=studio_org, data={"logo": str(pdf.pk)}, base=DEFAULT)
        assert caught.value.detail == {"logo": "“menu.pdf” is not an image; use a PNG, JPEG, GIF or WebP."}
        qr = qr_create(studio_org, studio_admin)
        with pytest.raises(ValidationFailed) as caught:  # named .png, but Pillow cannot read it
            services.artwork_check(organization=studio_org, qr=qr, design=Design(logo=str(fake.pk)))
        assert "not an image we can read" in caught.value.detail["logo"]


@pytest.mark.django_db
def test_only_writers_save_a_design(studio_org, studio_editor, studio_viewer, studio_qr):
    with bind_organization(studio_org):
        with pytest.raises(PermissionDenied):
            services.qr_design_save(organization=studio_org, actor=studio_viewer, qr_code_id=studio_qr.pk,
                                    design=Design(fg="#003300"))
        saved = services.qr_design_save(organization=studio_org, actor=studio_editor, qr_code_id=studio_qr.pk,
                                        design=Design(fg="#003300"))
    assert saved.fg == "#003300" and QRDesign.all_orgs.get(qr_code=studio_qr).updated_by == studio_editor


@pytest.mark.django_db
def test_services_refuse_a_member_of_another_organization(studio_org, studio_qr, other_admin):
    with bind_organization(studio_org), pytest.raises(PermissionDenied):
        services.artwork_create(organization=studio_org, actor=other_admin, qr_code_id=studio_qr.pk, output=SVG)
    assert not ArtworkVersion.all_orgs.exists()
