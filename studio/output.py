"""What a print file is asked as: format, size (pixels, or millimetres at a DPI), crop marks,
and the scanning distance the customer names. `output_parse` takes form fields or JSON."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from core.errors import ValidationFailed
from qrcodes.images import FORMATS, MAX_DPI, MAX_MM, MAX_PRINT_SIZE, MIN_DPI, MIN_MM, MIN_SIZE
from studio.render import Layout, eps_render, pdf_render, png_render, svg_render

MIN_PX, MAX_PX = MIN_SIZE, MAX_PRINT_SIZE  # the same pixel and print ranges as a plain code's image
DEFAULT_MM = 50
MIN_INCHES, MAX_INCHES = 0.4, 39.37  # the same range in inches
DEFAULT_DPI = 300  # print files (a plain code's screen image defaults to 72)
MIN_DISTANCE_M, MAX_DISTANCE_M = 0.1, 100.0
_TRUE = ("1", "true", "yes", "on")


@dataclass(frozen=True)
class OutputOptions:
    format: str = "pdf"
    width_mm: float | None = DEFAULT_MM  # printed width of the whole artwork
    width_px: int | None = None  # PNG only: exact pixels instead of mm at dpi
    dpi: int = DEFAULT_DPI
    crop_marks: bool = False  # PDF only
    distance_m: float | None = None  # how far away it will be scanned (the 10:1 rule)

    @property
    def content_type(self) -> str:
        return FORMATS[self.format]

    @property
    def pixels(self) -> int:
        """A PNG's width."""
        return self.width_px or round(self.width_mm / 25.4 * self.dpi)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _number(data: Mapping[str, Any], name: str, low: float, high: float, message: str,
            errors: dict[str, str], *, whole: bool = True) -> float | None:
    raw = data.get(name)
    if raw in (None, ""):
        return None
    try:
        value = float(raw) if not isinstance(raw, bool) else None
    except (TypeError, ValueError, OverflowError):  # OverflowError: a JSON integer beyond float
        value = None
    if value is None or value != value or not low <= value <= high or (whole and value != int(value)):
        errors[name] = message
        return None
    return int(value) if whole else value


def output_parse(data: Mapping[str, Any]) -> OutputOptions:
    """Validate format=png|svg|pdf|eps, mm=10..1000 (default 50) or inches=0.4..39.37 or (PNG)
    size=64..4096 px, dpi=72..1200, crop_marks, distance_m=0.1..100. unit=in reads the `mm`
    field in inches (the studio form's width box with its unit select)."""
    if not isinstance(data, Mapping):
        raise ValidationFailed({"output": "Send an object of output fields."})
    errors: dict[str, str] = {}
    fmt = str(data.get("format") or "pdf").lower()
    if fmt not in FORMATS:
        errors["format"] = "Use png, svg, pdf or eps."
    px = _number(data, "size", MIN_PX, MAX_PX, f"A whole number of pixels from {MIN_PX} to {MAX_PX}.", errors)
    unit = str(data.get("unit") or "mm").lower()
    if unit not in ("mm", "in"):
        errors["unit"] = "Use mm or in."
    if unit == "in" and data.get("mm") not in (None, ""):  # the form's width box, read in inches
        data = {**{k: v for k, v in data.items() if k != "mm"}, "inches": data["mm"]}
    mm = _number(data, "mm", MIN_MM, MAX_MM, f"A printed width from {MIN_MM} to {MAX_MM} mm.", errors, whole=False)
    inches = _number(data, "inches", MIN_INCHES, MAX_INCHES,
                     f"A printed width from {MIN_INCHES:g} to {MAX_INCHES:g} inches.", errors, whole=False)
    if inches is not None:
        if mm is not None:
            errors["inches"] = "Give a printed width in mm or in inches, not both."
        mm = round(inches * 25.4, 3)
    dpi = _number(data, "dpi", MIN_DPI, MAX_DPI, f"Dots per inch from {MIN_DPI} to {MAX_DPI} (300 or 600 for print).",
                  errors) or DEFAULT_DPI
    distance = _number(data, "distance_m", MIN_DISTANCE_M, MAX_DISTANCE_M,
                       f"A scanning distance from {MIN_DISTANCE_M:g} to {MAX_DISTANCE_M:g} metres.", errors, whole=False)
    if px is not None and mm is not None:
        errors["mm" if inches is None else "inches"] = "Give a size in pixels or a printed width, not both."
    if px is not None and fmt not in ("png",) and "format" not in errors:
        errors["size"] = "Pixels are for PNG; give vector formats a printed width in mm."
    if px is None and mm is None:
        mm = DEFAULT_MM
    if fmt == "png" and mm is not None and not errors:
        pixels = round(mm / 25.4 * dpi)
        if not MIN_PX <= pixels <= MAX_PX:
            errors["mm"] = (f"{mm:g} mm at {dpi} dpi is {pixels:,} pixels; choose a DPI that gives {MIN_PX} to "
                            f"{MAX_PX:,}, or download the PDF or SVG (vector) for large prints.")
    crop = data.get("crop_marks")
    crop_marks = crop is True or (isinstance(crop, str) and crop.lower() in _TRUE)
    if errors:
        raise ValidationFailed(errors)
    return OutputOptions(format=fmt, width_mm=mm, width_px=px, dpi=dpi, crop_marks=crop_marks and fmt == "pdf",
                         distance_m=distance)


def artwork_render(layout: Layout, output: OutputOptions, *, logo_png: bytes | None) -> bytes:
    """The print file's bytes."""
    if output.format == "png":
        return png_render(layout, width=output.pixels, dpi=output.dpi, logo_png=logo_png)
    if output.format == "svg":
        w = f"{output.width_mm:g}mm"
        h = f"{output.width_mm * layout.height / layout.width:.2f}mm"
        return svg_render(layout, logo_png=logo_png, width_attr=w, height_attr=h).encode("utf-8")
    if output.format == "pdf":
        return pdf_render(layout, width_mm=output.width_mm, logo_png=logo_png, crop_marks=output.crop_marks)
    return eps_render(layout, width_mm=output.width_mm, logo_png=logo_png)


def print_width_mm(layout: Layout, output: OutputOptions) -> float | None:
    """The printed width of the artwork: mm asked, or pixels at the DPI for a PNG."""
    if output.width_mm is not None:
        return output.width_mm
    return output.width_px / output.dpi * 25.4
