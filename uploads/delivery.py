"""Where upload objects live and how they are handed out.

Objects are private. With S3-compatible storage a download is a redirect to a short-lived
signed URL (the bucket serves the bytes); with local storage the app streams the file."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.files.storage import Storage, default_storage
from django.http import FileResponse, HttpResponse, HttpResponseRedirect
from django.utils.http import content_disposition_header

from uploads import content_types
from uploads.models import UploadedFile


class MissingObject(LookupError):
    """The row exists but its stored object does not."""


def storage_path_for(*, organization_id: uuid.UUID, upload_id: uuid.UUID, extension: str) -> str:
    return f"organizations/{organization_id}/uploads/{upload_id}.{extension}"


def uses_signed_urls(storage: Storage | None = None) -> bool:
    """True for S3-compatible storages (django-storages' S3Storage has a bucket)."""
    storage = storage or default_storage
    return hasattr(storage, "bucket_name")


def download_name(upload: UploadedFile) -> str:
    """The file name every download answer carries: the stored name, its extension made to
    agree with the stored (sniffed) type. Rows stored before names were checked this way keep
    their display name but download as e.g. `report.html.pdf`, never `report.html.`."""
    return content_types.name_for_content(upload.file_name, upload.file_type)


def signed_url(upload: UploadedFile, *, inline: bool) -> str:
    """A short-lived URL of the object (S3 only); the bucket answers with our file name/type."""
    params = {
        "ResponseContentDisposition": content_disposition_header(not inline, download_name(upload)),
        "ResponseContentType": upload.mime_type or "application/octet-stream",
    }
    return default_storage.url(upload.storage_path, parameters=params, expire=settings.UPLOAD_SIGNED_URL_SECONDS)


def object_exists(upload: UploadedFile) -> bool:
    return default_storage.exists(upload.storage_path)


def file_response(upload: UploadedFile, *, inline: bool = False) -> HttpResponse:
    """The download for an upload the caller may see (tenant-checked by the caller)."""
    if uses_signed_urls():
        response: HttpResponse = HttpResponseRedirect(signed_url(upload, inline=inline))
    else:
        try:
            fh = default_storage.open(upload.storage_path, "rb")
        except FileNotFoundError as e:
            raise MissingObject(upload.storage_path) from e
        response = FileResponse(
            fh, as_attachment=not inline, filename=download_name(upload),
            content_type=upload.mime_type or "application/octet-stream",
        )
        # Set globally too (SECURE_CONTENT_TYPE_NOSNIFF); user content must not depend on a setting.
        response["X-Content-Type-Options"] = "nosniff"
    # The signed URL expires; never let a shared cache keep the redirect or the bytes.
    response["Cache-Control"] = "private, no-store"
    return response
