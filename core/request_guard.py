"""Bad bytes stop at the door (issue 11): a request whose path, query string, cookies or
urlencoded form body holds a NUL or is not valid UTF-8 answers 400 before any middleware or
view reads it, and so does a body above DATA_UPLOAD_MAX_MEMORY_SIZE. Without this, a NUL in
`/c/%00` or `/activity?action=%00` reached PostgreSQL (which refuses NUL in text) as a 500, and a
10 MB JSON body answered Django's bare HTML 400 page instead of the API's error format.

Not inspected here: multipart bodies (uploads stream their files; the upload service checks
them), JSON bodies (core.parsers refuses NUL and deep nesting while parsing) and
headers (a scan from a client with a junk User-Agent is still a scan; the scan capture cleans
what it stores).

Cheap on the scan path: an ASCII path, query and cookie without `%`, NUL or backslash pass
with a few `in` tests; only the rest is percent-decoded and checked.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import unquote_to_bytes

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from django.http.cookie import parse_cookie
from django.template.loader import render_to_string

from core.api_errors import json_error

FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"
MULTIPART_CONTENT_TYPE = "multipart/form-data"


class BadRequest(Exception):
    """What is wrong with a request, as the API's error code and a sentence for the client."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail


def _wsgi_bytes(value: str) -> bytes:
    # WSGI hands the raw bytes over as latin-1 text; ASGI has already decoded them as UTF-8.
    try:
        return value.encode("latin-1")
    except UnicodeEncodeError:
        return value.encode("utf-8", "surrogatepass")


def _check_text(raw: bytes, where: str) -> None:
    if b"\x00" in raw:
        raise BadRequest("invalid_request", f"The {where} contains a NUL character.")
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        raise BadRequest("invalid_request", f"The {where} is not valid UTF-8.") from None


def _check_encoded(value: str | bytes, where: str) -> None:
    """A query string or urlencoded body: its keys and values percent-decoded. Checking the
    whole decoded string is the same as checking each key and value: `&` and `=` are ASCII,
    never inside a multi-byte UTF-8 sequence."""
    if isinstance(value, str):
        if "%" not in value and "\x00" not in value and value.isascii():
            return
        value = _wsgi_bytes(value)
    _check_text(unquote_to_bytes(value), where)


def check_path(path_info: str) -> None:
    """request.path_info: the server has percent-decoded the path (`/c/%00` holds a NUL) and
    Django has decoded it as UTF-8, re-percent-encoding the bytes that are not (`%ff` is
    `%FF` again). A `%` left here is such a byte or a literal `%25` in the URL: both are
    decoded and checked, so no route that decodes again meets a NUL either."""
    if "\x00" in path_info:
        raise BadRequest("invalid_request", "The path contains a NUL character.")
    if "%" in path_info:
        _check_text(unquote_to_bytes(path_info), "path")


def check_cookies(header: str) -> None:
    if not header or ("\x00" not in header and "\\" not in header and header.isascii()):
        return
    _check_text(_wsgi_bytes(header), "Cookie header")
    # A quoted value may spell NUL as the octal escape \000, which the cookie parser decodes.
    if "\\" in header and any("\x00" in k or "\x00" in v for k, v in parse_cookie(header).items()):
        raise BadRequest("invalid_request", "A cookie contains a NUL character.")


def check_body(request: HttpRequest) -> None:
    content_type = request.META.get("CONTENT_TYPE", "").split(";", 1)[0].strip().lower()
    if content_type == MULTIPART_CONTENT_TYPE:
        return
    if request.META.get("CONTENT_LENGTH", "") in ("", "0") and "HTTP_TRANSFER_ENCODING" not in request.META:
        return
    try:
        # Read here (at most DATA_UPLOAD_MAX_MEMORY_SIZE + 1 bytes) so that a body too large is
        # refused in the site's error format; request.POST and the API parsers reuse it.
        body = request.body
    except RequestDataTooBig:
        raise BadRequest("request_too_large",
                         f"The request body is larger than {settings.DATA_UPLOAD_MAX_MEMORY_SIZE} bytes.") from None
    if content_type == FORM_CONTENT_TYPE:
        _check_encoded(body, "form body")


def check_request(request: HttpRequest) -> None:
    """Raises BadRequest for the first problem found."""
    meta = request.META
    check_path(request.path_info)
    _check_encoded(meta.get("QUERY_STRING", ""), "query string")
    check_cookies(meta.get("HTTP_COOKIE", ""))
    check_body(request)


def bad_request_response(request: HttpRequest, problem: BadRequest) -> HttpResponse:
    if request.path.startswith("/api/"):
        return json_error(request, 400, problem.code, problem.detail)
    # No request context: its processors read the session and the database.
    return HttpResponse(render_to_string("400.html", {"detail": problem.detail}), status=400)


class RequestGuardMiddleware:
    """Outermost but for the security headers: nothing before it reads the request's input."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            check_request(request)
        except BadRequest as problem:
            return bad_request_response(request, problem)
        return self.get_response(request)
