"""Writes for uploads: store a file within the plan's storage quota, delete it again.

Quota under concurrency: an upload takes a transaction-scoped PostgreSQL advisory lock for
its organization, re-reads storage_used_bytes, checks the limit, writes the object, inserts
the row and bumps the counters, then commits. Two uploads of one organization are therefore
checked one after the other, and the second sees the first's bytes, so the limit holds before
anything is stored. We lock an advisory key rather than the organizations row (SELECT ... FOR
UPDATE) because the object write can take seconds, and the organizations row is also
updated by the scan counters and locked by QR-code creation: holding it for the write would
stall them. The row itself is only touched by the final UPDATE of the counters.

Objects and rows stay paired: the object is deleted again if anything fails before the
commit; on delete the object is removed only after the row's deletion has committed (a
failure there can leave an orphan object, never a row without its object)."""

from __future__ import annotations

import logging
import os
import unicodedata
import uuid
from typing import IO, Any

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import F

from core.errors import NotFound, ValidationFailed
from core.humanize import size_words
from core.ids import as_uuid
from core.locks import LockKey, advisory_xact_lock
from core.scoping import related_model
from tenants.models import GB, Organization, User
from tenants.roles import require_writer
from tenants.services import activity_record
from uploads import content_types
from uploads.delivery import storage_path_for
from uploads.errors import FileTooLarge, StorageLimitExceeded, UnsupportedFileType
from uploads.models import UploadedFile

logger = logging.getLogger(__name__)

FILE_NAME_MAX = 255


def clean_file_name(raw: str | None) -> str:
    """A display name: no directories, no control or format characters, no trailing dots or
    spaces, at most 255 characters."""
    name = (raw or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip()
    name = content_types.without_trailing_dots(name)
    if len(name) > FILE_NAME_MAX:
        stem, dot, ext = name.rpartition(".")
        name = (stem[: FILE_NAME_MAX - len(ext) - 1] + dot + ext) if dot and len(ext) < 16 else name[:FILE_NAME_MAX]
    return name


def _file_size(fileobj: IO[bytes]) -> int:
    size = getattr(fileobj, "size", None)
    if size is None:
        fileobj.seek(0, os.SEEK_END)
        size = fileobj.tell()
        fileobj.seek(0)
    return int(size)


def _lock_uploads_of(organization: Organization) -> None:
    """Serialize quota checks of one organization until the end of the transaction."""
    advisory_xact_lock(None, LockKey.UPLOAD_QUOTA, organization.pk)


def storage_check(*, organization: Organization, size: int) -> None:
    """Raise StorageLimitExceeded when `size` more bytes would pass the plan's limit."""
    row = Organization.objects.filter(pk=organization.pk).values("storage_used_bytes", "storage_limit_gb").get()
    if row["storage_used_bytes"] + size > row["storage_limit_gb"] * GB:
        raise StorageLimitExceeded("Storage limit exceeded")


def upload_create(
    *,
    organization: Organization,
    actor: User,
    file: File | IO[bytes] | None,
    file_name: str | None = None,
    campaign_id: Any = None,
    ip_address: str | None = None,
) -> UploadedFile:
    """Store `file` for the organization and record it (Admins and Editors).

    Raises PermissionDenied, ValidationFailed (no file, bad campaign), UnsupportedFileType
    (400: content not allowed or not matching the name), FileTooLarge (413) and
    StorageLimitExceeded (403). On any error nothing is stored and nothing is written."""
    require_writer(actor, organization)
    if file is None:
        raise ValidationFailed({"file": "Choose a file to upload."})
    size = _file_size(file)
    if size <= 0:
        raise ValidationFailed({"file": "The file is empty."})
    if size > settings.UPLOAD_MAX_BYTES:
        raise FileTooLarge(f"Files can be at most {size_words(settings.UPLOAD_MAX_BYTES)}; this one has {size_words(size)}.")
    name = clean_file_name(file_name or getattr(file, "name", ""))
    if not name:
        raise ValidationFailed({"file_name": "Give the file a name."})
    try:
        detected = content_types.detect(file, name)
    except content_types.RejectedType as e:
        raise UnsupportedFileType(str(e)) from e
    # A different extension was refused above; a missing one becomes the content's (issue 11).
    name = clean_file_name(content_types.name_for_content(name, detected.extension))
    campaign = None
    if campaign_id not in (None, ""):
        pk = as_uuid(campaign_id)
        campaigns = related_model(UploadedFile, "campaign")  # campaigns is a layer above uploads
        campaign = campaigns.objects.filter(organization=organization, pk=pk).first() if pk else None
        if campaign is None:
            raise ValidationFailed({"campaign_id": "No such campaign in your organization."})
    # Cheap early refusal, before taking the lock; the authoritative check is below.
    storage_check(organization=organization, size=size)

    upload_id = uuid.uuid4()
    path = storage_path_for(organization_id=organization.pk, upload_id=upload_id, extension=detected.extension)
    stored: str | None = None
    try:
        with transaction.atomic():
            _lock_uploads_of(organization)
            storage_check(organization=organization, size=size)
            file.seek(0)
            stored = default_storage.save(path, file)
            if stored != path:  # never happens with uuid names, but a renamed object would be lost
                raise RuntimeError(f"storage renamed {path} to {stored}")
            upload = UploadedFile.objects.create(
                id=upload_id,
                organization=organization,
                uploaded_by_user=actor,
                file_name=name,
                file_type=detected.extension,
                mime_type=detected.mime,
                file_size_bytes=size,
                storage_path=path,
                file_url=f"/api/uploads/{upload_id}/download",
                campaign=campaign,
            )
            Organization.objects.filter(pk=organization.pk).update(
                total_uploads=F("total_uploads") + 1, storage_used_bytes=F("storage_used_bytes") + size
            )
            activity_record(
                organization=organization, user=actor, action="upload_file", entity_type="file",
                entity_id=upload.pk, ip_address=ip_address,
                metadata={"file_name": name, "file_type": detected.extension, "file_size_bytes": size},
            )
    except BaseException:
        if stored:
            _delete_object(stored)
        raise
    organization.refresh_from_db(fields=["total_uploads", "storage_used_bytes"])
    return upload


def _delete_object(path: str) -> None:
    try:
        default_storage.delete(path)
    except Exception:  # noqa: BLE001 - an orphan object is logged, never a failed request
        logger.exception("could not delete stored object %s", path)


@transaction.atomic
def upload_delete(*, organization: Organization, actor: User, upload_id: Any, ip_address: str | None = None) -> None:
    """Delete an upload (Admins and Editors): the row and counters now, the stored object
    right after the commit. QR codes that pointed at it lose their linked content."""
    require_writer(actor, organization)
    pk = as_uuid(upload_id)
    upload = UploadedFile.objects.select_for_update().filter(organization=organization, pk=pk).first() if pk else None
    if upload is None:
        raise NotFound("Upload not found.")
    path, size, name = upload.storage_path, upload.file_size_bytes, upload.file_name
    upload.delete()
    Organization.objects.filter(pk=organization.pk).update(
        total_uploads=F("total_uploads") - 1, storage_used_bytes=F("storage_used_bytes") - size
    )
    activity_record(
        organization=organization, user=actor, action="delete_file", entity_type="file",
        entity_id=pk, ip_address=ip_address, metadata={"file_name": name, "file_size_bytes": size},
    )
    transaction.on_commit(lambda: _delete_object(path))
