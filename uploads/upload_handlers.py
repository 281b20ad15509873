"""Per-file size limit enforced while the multipart body streams in.

Django's own handlers keep small files in memory and spill bigger ones to a temporary file
(FILE_UPLOAD_MAX_MEMORY_SIZE), so a body is never held whole in memory. This handler sits in
front of them: it refuses a body whose declared length alone is too big before reading any of
it, and otherwise counts each file's bytes as chunks arrive and stops the parse as soon as one
file passes the limit. The view then sees request.upload_too_large and answers 413; nothing
was stored."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import HttpRequest, QueryDict
from django.utils.datastructures import MultiValueDict
from django.views.decorators.csrf import csrf_exempt, csrf_protect

# Multipart framing and the small text fields around the file.
MULTIPART_OVERHEAD = 64 * 1024


class MaxSizeUploadHandler(FileUploadHandler):
    def __init__(self, request: HttpRequest, max_bytes: int) -> None:
        super().__init__(request)
        self.max_bytes = max_bytes
        self.received = 0

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):  # noqa: N803
        if content_length > self.max_bytes + MULTIPART_OVERHEAD:
            self.request.upload_too_large = True
            return QueryDict(encoding=encoding), MultiValueDict()  # skip parsing: the body is never read
        return None

    def new_file(self, *args, **kwargs) -> None:
        super().new_file(*args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.received += len(raw_data)
        if self.received > self.max_bytes:
            self.request.upload_too_large = True
            # connection_reset=False: Django drains the rest (at most MULTIPART_OVERHEAD, given
            # the check above) so the client reads our 413 rather than a reset connection.
            raise StopUpload(connection_reset=False)
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None


def install_max_size_handler(request: HttpRequest, max_bytes: int) -> None:
    """Put the size-limit handler first; must run before request.POST/FILES is read."""
    request.upload_too_large = False
    request.upload_handlers.insert(0, MaxSizeUploadHandler(request, max_bytes))


def upload_size_limited(max_bytes: Callable[[], int]) -> Callable:
    """For a view that takes a file by POST: the size-limit handler goes in before the body is
    read, and only then is CSRF checked (reading the token reads the body), so an oversized
    upload sets request.upload_too_large instead of being buffered. `max_bytes` is read per
    request (settings may change in tests)."""

    def decorate(view: Callable) -> Callable:
        protected = csrf_protect(view)

        @csrf_exempt
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            if request.method == "POST":
                install_max_size_handler(request, max_bytes())
            return protected(request, *args, **kwargs)

        return wrapper

    return decorate
