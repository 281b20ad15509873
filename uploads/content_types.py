"""Which files may be uploaded, decided from their content (magic bytes via `filetype`), never
from the client's Content-Type or the file name alone."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import IO

import filetype

# Detected extension -> (category, the file-name extensions that may carry it).
# Containers whose brands overlap (MP4/QuickTime/M4A/3GP) form one family, so an .m4a named
# file detected as mp4 is not a "mismatch".
_MP4_FAMILY = frozenset({"mp4", "m4v", "m4a", "mov", "qt", "3gp"})
ALLOWED: dict[str, tuple[str, frozenset[str]]] = {
    "pdf": ("document", frozenset({"pdf"})),
    # images
    "jpg": ("image", frozenset({"jpg", "jpeg", "jpe"})),
    "png": ("image", frozenset({"png"})),
    "gif": ("image", frozenset({"gif"})),
    "webp": ("image", frozenset({"webp"})),
    "tif": ("image", frozenset({"tif", "tiff"})),
    "bmp": ("image", frozenset({"bmp"})),
    "heic": ("image", frozenset({"heic", "heif"})),
    "avif": ("image", frozenset({"avif"})),
    # video
    "mp4": ("video", _MP4_FAMILY),
    "m4v": ("video", _MP4_FAMILY),
    "mov": ("video", _MP4_FAMILY),
    "3gp": ("video", _MP4_FAMILY),
    "webm": ("video", frozenset({"webm"})),
    "mkv": ("video", frozenset({"mkv", "webm"})),
    "avi": ("video", frozenset({"avi"})),
    "mpg": ("video", frozenset({"mpg", "mpeg"})),
    "wmv": ("video", frozenset({"wmv"})),
    # audio
    "mp3": ("audio", frozenset({"mp3"})),
    "m4a": ("audio", _MP4_FAMILY),
    "aac": ("audio", frozenset({"aac"})),
    "ogg": ("audio", frozenset({"ogg", "oga", "ogv", "opus"})),
    "wav": ("audio", frozenset({"wav"})),
    "flac": ("audio", frozenset({"flac"})),
    "aiff": ("audio", frozenset({"aiff", "aif"})),
    "amr": ("audio", frozenset({"amr"})),
    # office documents
    "doc": ("document", frozenset({"doc"})),
    "docx": ("document", frozenset({"docx"})),
    "xls": ("document", frozenset({"xls"})),
    "xlsx": ("document", frozenset({"xlsx"})),
    "ppt": ("document", frozenset({"ppt"})),
    "pptx": ("document", frozenset({"pptx"})),
    "odt": ("document", frozenset({"odt"})),
    "ods": ("document", frozenset({"ods"})),
    "odp": ("document", frozenset({"odp"})),
}
# What the upload form's file picker offers (a hint only; the server decides from content).
ACCEPT_ATTRIBUTE = ",".join(sorted({f".{ext}" for _, exts in ALLOWED.values() for ext in exts}))
SNIFF_BYTES = 8192
_TRAILING_DOTS = re.compile(r"[\s.]+\Z")


@dataclass(frozen=True)
class DetectedType:
    extension: str  # the canonical extension used in storage_path and file_type
    mime: str
    category: str  # document | image | video | audio


class RejectedType(ValueError):
    """The content is not an allowed kind, or does not match the file name's extension."""


def preview_kind(extension: str) -> str | None:
    """How the public content page shows a stored kind inline: image, video, audio, pdf or None."""
    category = ALLOWED.get(extension, ("", frozenset()))[0]
    if category in ("image", "video", "audio"):
        return category
    return "pdf" if extension == "pdf" else None


def without_trailing_dots(name: str) -> str:
    """`name` without trailing dots and white space, which Windows drops when it saves a file:
    `report.html.` would open as `report.html`."""
    return _TRAILING_DOTS.sub("", name)


def name_extension(file_name: str) -> str:
    """The extension a desktop reads from the name: after the last dot, trailing dots and
    spaces ignored (`report.html.` is .html, `.pdf` is .pdf)."""
    base = without_trailing_dots(file_name.rsplit("/", 1)[-1])
    return base.rpartition(".")[2].lower() if "." in base else ""


def name_for_content(file_name: str, extension: str) -> str:
    """`file_name` as it may be stored and offered for download: without trailing dots and
    spaces, and ending with an extension that agrees with content of the detected kind
    `extension` (a key of ALLOWED). An agreeing extension is kept as typed (`menu.JPEG` for
    jpg); a missing or different one gets `.{extension}` appended, so the last extension, the
    one desktops open the file by, is always the content's (`report` -> `report.pdf`, an old
    row's `report.html.` -> `report.html.pdf`)."""
    name = without_trailing_dots(file_name) or "download"
    agreeing = ALLOWED[extension][1] if extension in ALLOWED else frozenset({extension})
    return name if name_extension(name) in agreeing else f"{name}.{extension}"


def detect(fileobj: IO[bytes], file_name: str) -> DetectedType:
    """Sniff the first bytes of `fileobj` (position restored to 0) and check them against the
    allow-list and the extension of `file_name`. Raises RejectedType with a user message."""
    fileobj.seek(0)
    head = fileobj.read(SNIFF_BYTES)
    fileobj.seek(0)
    kind = filetype.guess(head)
    if kind is None or kind.extension not in ALLOWED:
        what = f"a {kind.extension} file" if kind else "an unrecognised file"
        raise RejectedType(
            f"This is {what}. Allowed: PDF, images, video, audio and office documents."
        )
    category, name_exts = ALLOWED[kind.extension]
    ext = name_extension(file_name)
    if ext and ext not in name_exts:
        raise RejectedType(
            f"The file is named .{ext} but its content is {kind.extension.upper()}; rename it or upload the right file."
        )
    return DetectedType(extension=kind.extension, mime=kind.mime, category=category)
