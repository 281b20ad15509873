"""QR code images, rendered by segno from the public short URL (SITE_URL/s/<code>).

What is offered is meant to scan: a PNG is exactly the pixel size asked (whole-pixel modules,
the rest goes to the quiet zone, never below 4 modules) with the DPI asked in its metadata (or a
physical size in mm at that DPI); colours must contrast at least 4.5:1 (WCAG's relative
luminance), and a light-on-dark (inverted) code, which many phone scanners fail on, needs the
customer's confirmation (`inverted=1`). qrcodes/tests/test_images_decode.py decodes them with
zxing-cpp."""

from __future__ import annotations

import io
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace

import segno
import zxingcpp
from PIL import Image

from core.errors import ValidationFailed

FORMATS = {"png": "image/png", "svg": "image/svg+xml", "pdf": "application/pdf", "eps": "application/postscript"}
VECTOR_PRINT = ("pdf", "eps")  # sized in points (1/72 in): `mm`, or `size` read as points
ECC_LEVELS = ("L", "M", "Q", "H")
MIN_SIZE, MAX_SIZE, DEFAULT_SIZE = 64, 2048, 512
MAX_PRINT_SIZE = 4096  # pixels a physical size may ask for (larger prints: SVG is vector)
MIN_DPI, MAX_DPI, DEFAULT_DPI = 72, 1200, 72
MIN_MM, MAX_MM = 10, 1000  # printed width in millimetres, quiet zone included
MIN_CONTRAST = 4.5  # WCAG AA for text; below it phone cameras in poor light miss codes
BORDER = 4  # quiet zone in modules, as the QR standard asks
_TRUE = ("1", "true", "yes", "on")
_HEX = re.compile(r"^#?(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")


@dataclass(frozen=True)
class ImageOptions:
    format: str = "png"
    size: int = DEFAULT_SIZE  # target width in pixels, quiet zone included
    fg: str = "#000000"
    bg: str | None = "#ffffff"  # None: transparent
    ecc: str = "M"
    dpi: int = DEFAULT_DPI  # written into the PNG (pHYs); with `mm`, it sets the pixel size
    mm: int | None = None  # the printed width asked for (PDF/EPS are drawn at exactly this size)

    @property
    def content_type(self) -> str:
        return FORMATS[self.format]


def hex_colour(value: object) -> str | None:
    """"#1d2330" from "1d2330", "#1D2330" or "#123" (expanded); None when it is not a hex colour."""
    if not isinstance(value, str) or not _HEX.match(value):
        return None
    value = value.lstrip("#").lower()
    if len(value) == 3:
        value = "".join(c * 2 for c in value)
    return f"#{value}"


def _color(value: str, field: str) -> str:
    colour = hex_colour(value)
    if colour is None:
        raise ValidationFailed({field: "Use a hex colour like 000000 or #1d2330."})
    return colour


def _luminance(hex_colour: str) -> float:
    """WCAG 2 relative luminance of #rrggbb."""
    def channel(c: int) -> float:
        v = c / 255
        return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4
    r, g, b = (int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast_ratio(fg: str, bg: str) -> float:
    """WCAG contrast ratio of two #rrggbb colours, 1 to 21."""
    a, b = sorted((_luminance(fg), _luminance(bg)), reverse=True)
    return (a + 0.05) / (b + 0.05)


def _int_param(params: Mapping[str, str], name: str, low: int, high: int, message: str,
               errors: dict[str, str]) -> int | None:
    raw = params.get(name)
    if raw in (None, ""):
        return None
    try:
        value = int(raw)
    except ValueError:
        value = low - 1
    if not low <= value <= high:
        errors[name] = message
        return None
    return value


def image_options_parse(params: Mapping[str, str]) -> ImageOptions:
    """Validate ?format=png|svg&size=64..2048 (or mm=10..1000 with dpi)&dpi=72..1200&fg=hex&
    bg=hex|transparent&ecc=L|M|Q|H&inverted=1. Refuses colours that do not contrast 4.5:1 and
    a light-on-dark code unless `inverted` confirms it."""
    errors: dict[str, str] = {}
    fmt = (params.get("format") or "png").lower()
    if fmt not in FORMATS:
        errors["format"] = "Use png, svg, pdf or eps."
    size = _int_param(params, "size", MIN_SIZE, MAX_SIZE,
                      f"A whole number of pixels from {MIN_SIZE} to {MAX_SIZE}.", errors)
    dpi = _int_param(params, "dpi", MIN_DPI, MAX_DPI, f"Dots per inch from {MIN_DPI} to {MAX_DPI} (300 or 600 "
                     "for print).", errors) or DEFAULT_DPI
    mm = _int_param(params, "mm", MIN_MM, MAX_MM, f"A printed width from {MIN_MM} to {MAX_MM} mm.", errors)
    if mm is not None and size is not None:
        errors["mm"] = "Give a size in pixels or a printed width in mm, not both."
    elif mm is not None:
        size = round(mm / 25.4 * dpi)
        if not MIN_SIZE <= size <= MAX_PRINT_SIZE:
            errors["mm"] = (f"{mm} mm at {dpi} dpi is {size:,} pixels; choose a DPI that gives "
                            f"{MIN_SIZE:,} to {MAX_PRINT_SIZE:,}, or download the SVG (vector) for large prints.")
    size = size or DEFAULT_SIZE
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
    elif not errors:
        paper = bg or "#ffffff"  # a transparent code is printed on (usually white) paper
        ratio = contrast_ratio(fg, paper)
        if ratio < MIN_CONTRAST:
            errors["bg" if bg else "fg"] = (
                f"These colours contrast {ratio:.1f}:1; a code needs at least {MIN_CONTRAST}:1 to scan reliably "
                f"(a dark code on a light background).")
        elif _luminance(fg) > _luminance(paper) and (params.get("inverted") or "").lower() not in _TRUE:
            errors["fg"] = ("A light code on a dark background (inverted) fails on many phone scanners. "
                            "Confirm with inverted=1 if you have tested it with your audience's phones.")
    if errors:
        raise ValidationFailed(errors)
    return ImageOptions(format=fmt, size=size, fg=fg, bg=bg, ecc=ecc, dpi=dpi, mm=mm)


def qr_image_render(*, data: str, options: ImageOptions) -> bytes:
    """The QR symbol for `data` as PNG or SVG bytes, options.size pixels wide (SVG: its width
    and height attributes). A PNG's modules are whole pixels; what the size leaves over widens
    the quiet zone (centred). ValidationFailed when the size is too small for this code."""
    qr = segno.make(data, error=options.ecc, micro=False, boost_error=False)
    width_modules = qr.symbol_size(scale=1, border=BORDER)[0]
    if options.size < width_modules:
        raise ValidationFailed({"size": f"This code needs at least {width_modules} pixels (one per module)."})
    out = io.BytesIO()
    if options.format in VECTOR_PRINT:
        # vector at the physical width asked (mm), or `size` points; one code on its own page
        points = options.mm / 25.4 * 72 if options.mm else options.size
        target: io.BytesIO | io.StringIO = io.StringIO() if options.format == "eps" else out  # EPS: text
        qr.save(target, kind=options.format, scale=points / width_modules, border=BORDER,
                dark=options.fg, light=options.bg)
        value = target.getvalue()
        return value.encode("ascii") if isinstance(value, str) else value
    if options.format == "svg":
        scale = options.size / width_modules
        qr.save(out, kind="svg", scale=scale, border=BORDER, dark=options.fg, light=options.bg, xmldecl=False)
        return out.getvalue()
    scale = options.size // width_modules
    qr.save(out, kind="png", scale=scale, border=BORDER, dark=options.fg, light=options.bg)
    img = Image.open(io.BytesIO(out.getvalue())).convert("RGBA" if options.bg is None else "RGB")
    if img.width != options.size:
        canvas = Image.new(img.mode, (options.size, options.size),
                           (0, 0, 0, 0) if options.bg is None else options.bg)
        offset = (options.size - img.width) // 2
        canvas.paste(img, (offset, offset))
        img = canvas
    result = io.BytesIO()
    img.save(result, format="PNG", dpi=(options.dpi, options.dpi))
    return result.getvalue()


def decode_image(img: Image.Image) -> str | None:
    """What zxing-cpp reads from an image (the first QR code), or None."""
    found = zxingcpp.read_barcodes(img, formats=zxingcpp.BarcodeFormat.QRCode)
    return found[0].text if found else None


def decode_text(png: bytes) -> str | None:
    """What zxing-cpp reads from a PNG file (the first QR code), or None."""
    with Image.open(io.BytesIO(png)) as img:
        return decode_image(img)


def qr_image_verify(*, data: str, options: ImageOptions, body: bytes) -> None:
    """A downloaded file must scan: its PNG (or, for SVG/PDF/EPS, a PNG of the same code and
    size) is decoded and must read `data`. ValidationFailed otherwise (cannot happen for colours
    that pass the contrast rule; this keeps it so)."""
    png = body if options.format == "png" else qr_image_render(data=data, options=replace(options, format="png"))
    if decode_text(png) != data:
        raise ValidationFailed({"fg": "A QR decoder could not read this code in these colours; raise the contrast."})
