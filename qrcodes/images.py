"""QR code images, rendered by segno from the public short URL (SITE_URL/s/<code>)."""

from __future__ import annotations

import io
import re
from collections.abc import Mapping
from dataclasses import dataclass

import segno

from core.errors import ValidationFailed

FORMATS = {"png": "image/png", "svg": "image/svg+xml"}
ECC_LEVELS = ("L", "M", "Q", "H")
MIN_SIZE, MAX_SIZE, DEFAULT_SIZE = 64, 2048, 512
BORDER = 4  # quiet zone in modules, as the QR standard asks
_HEX = re.compile(r"^#?(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")


@dataclass(frozen=True)
class ImageOptions:
    format: str = "png"
    size: int = DEFAULT_SIZE  # target width in pixels, quiet zone included
    fg: str = "#000000"
    bg: str | None = "#ffffff"  # None: transparent
    ecc: str = "M"

    @property
    def content_type(self) -> str:
        return FORMATS[self.format]


def _color(value: str, field: str) -> str:
    if not _HEX.match(value):
        raise ValidationFailed({field: "Use a hex colour like 000000 or #1d2330."})
    value = value.lstrip("#").lower()
    if len(value) == 3:
        value = "".join(c * 2 for c in value)
    return f"#{value}"


def image_options_parse(params: Mapping[str, str]) -> ImageOptions:
    """Validate ?format=png|svg&size=64..2048&fg=hex&bg=hex|transparent&ecc=L|M|Q|H."""
    errors: dict[str, str] = {}
    fmt = (params.get("format") or "png").lower()
    if fmt not in FORMATS:
        errors["format"] = "Use png or svg."
    size = DEFAULT_SIZE
    raw_size = params.get("size")
    if raw_size not in (None, ""):
        try:
            size = int(raw_size)
        except ValueError:
            size = -1
        if not MIN_SIZE <= size <= MAX_SIZE:
            errors["size"] = f"A whole number of pixels from {MIN_SIZE} to {MAX_SIZE}."
    ecc = (params.get("ecc") or "M").upper()
    if ecc not in ECC_LEVELS:
        errors["ecc"] = "Use L, M, Q or H."
    fg = bg = None
    try:
        fg = _color(params.get("fg") or "000000", "fg")
    except ValidationFailed as e:
        errors.update(e.detail)
    raw_bg = (params.get("bg") or "ffffff").lower()
    if raw_bg != "transparent":
        try:
            bg = _color(raw_bg, "bg")
        except ValidationFailed as e:
            errors.update(e.detail)
    if not errors and fg == bg:
        errors["bg"] = "Foreground and background must differ, or the code cannot be scanned."
    if errors:
        raise ValidationFailed(errors)
    return ImageOptions(format=fmt, size=size, fg=fg, bg=bg, ecc=ecc)


def qr_image_render(*, data: str, options: ImageOptions) -> bytes:
    """The QR symbol for `data` as PNG or SVG bytes, about options.size pixels wide."""
    qr = segno.make(data, error=options.ecc, micro=False, boost_error=False)
    width_modules = qr.symbol_size(scale=1, border=BORDER)[0]
    out = io.BytesIO()
    if options.format == "svg":
        scale = options.size / width_modules
        qr.save(out, kind="svg", scale=scale, border=BORDER, dark=options.fg, light=options.bg, xmldecl=False)
    else:
        scale = max(1, options.size // width_modules)
        qr.save(out, kind="png", scale=scale, border=BORDER, dark=options.fg, light=options.bg)
    return out.getvalue()
