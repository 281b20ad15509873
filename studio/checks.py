"""Print-readiness: every artwork the product offers for print is decoded by a real decoder
(zxing-cpp) and must read back the code's short URL, and passes the plain-language checks
below. A failing design cannot be downloaded for print (studio.services refuses it)."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, replace

from PIL import Image

from core.errors import ValidationFailed
from qrcodes.images import contrast_ratio, decode_image
from studio.design import Design
from studio.render import Layout, png_image

MIN_CONTRAST = 4.5  # WCAG AA; below it phone cameras in poor light miss codes
MIN_TEXT_CONTRAST = 3.0  # WCAG AA for large text: the frame's call to action
MAX_LOGO_COVERAGE = 0.15  # share of the symbol's area; error correction H restores ~30% of codewords
MIN_CODE_MM = 20  # below 2 cm many phones cannot focus on a code
DISTANCE_RATIO = 10  # a code read from d needs to be at least d / 10 wide
# The decode check rasterises the artwork as printed (its width in mm at the DPI), sampled at
# up to DECODE_MODULE_PX pixels per module: every module is then a solid block the decoder
# cannot miss, and more pixels of the same vector drawing would only repeat them. A PNG print
# file is decoded itself (`raster`), at exactly its pixels.
DECODE_MODULE_PX = 12
DECODE_SCREEN_PX = 600


@dataclass(frozen=True)
class Check:
    code: str  # contrast, inverted, logo, size, decode, text
    ok: bool
    label: str
    detail: str


@dataclass(frozen=True)
class CheckReport:
    checks: tuple[Check, ...]

    @property
    def print_ready(self) -> bool:
        return all(c.ok for c in self.checks)

    @property
    def failures(self) -> list[Check]:
        return [c for c in self.checks if not c.ok]

    def as_dict(self) -> dict:
        return {"print_ready": self.print_ready, "checks": [asdict(c) for c in self.checks]}


def _luminance_order(fg: str, bg: str) -> bool:
    """True when the code is lighter than its background (inverted)."""
    return contrast_ratio(fg, "#000000") > contrast_ratio(bg, "#000000")


def code_width_mm(layout: Layout, artwork_mm: float) -> float:
    """How wide the symbol itself (no quiet zone, no frame) prints when the artwork is `artwork_mm`."""
    return artwork_mm * layout.symbol_share


def design_check(design: Design, layout: Layout, *, data: str, logo_png: bytes | None = None,
                 width_mm: float | None = None, dpi: int = 300, distance_m: float | None = None,
                 raster: Image.Image | None = None) -> CheckReport:
    """Every print check of `design` for the code holding `data`, printed `width_mm` wide (the
    whole artwork) at `dpi`, to be read from `distance_m` (optional). `raster`: the PNG print
    file's own pixels, decoded instead of a fresh rasterisation."""
    checks: list[Check] = []
    paper = design.bg or "#ffffff"
    ratio = min(contrast_ratio(design.fg, paper), contrast_ratio(design.finder_color, paper))
    checks.append(Check("contrast", ratio >= MIN_CONTRAST, "Colour contrast",
                        f"{ratio:.1f}:1 between the code and its background"
                        + ("." if ratio >= MIN_CONTRAST else
                           f"; at least {MIN_CONTRAST}:1 is needed to scan reliably. Darken the code or lighten "
                           "the background.")))
    inverted = _luminance_order(design.fg, paper)
    if inverted:
        checks.append(Check("inverted", design.inverted, "Light code on a dark background",
                            "Confirmed: you have tested it on your audience's phones." if design.inverted else
                            "Many phone scanners fail on light-on-dark codes. Swap the colours, or confirm you "
                            "have tested it."))
    if design.logo:
        share = layout.logo_coverage
        ok = share <= MAX_LOGO_COVERAGE
        checks.append(Check("logo", ok, "Logo size",
                            f"The logo covers {share:.0%} of the code"
                            + (f" (at most {MAX_LOGO_COVERAGE:.0%}); error correction is raised to H." if ok else
                               f"; at most {MAX_LOGO_COVERAGE:.0%} can be covered. Make it smaller.")))
    if design.frame != "none" and design.frame_text:
        text_ratio = contrast_ratio(design.frame_text_color, design.frame_color)
        checks.append(Check("text", text_ratio >= MIN_TEXT_CONTRAST, "Frame text",
                            f"{text_ratio:.1f}:1 against the frame"
                            + ("." if text_ratio >= MIN_TEXT_CONTRAST else
                               f"; at least {MIN_TEXT_CONTRAST:.0f}:1 keeps the call to action readable.")))
    if width_mm is not None:
        code_mm = code_width_mm(layout, width_mm)
        if distance_m:
            needed = distance_m * 1000 / DISTANCE_RATIO
            ok = code_mm >= needed
            checks.append(Check("size", ok, "Size for the scanning distance",
                                f"Read from {distance_m:g} m, the code needs to be at least {needed / 10:g} cm wide; "
                                f"it prints {code_mm / 10:.1f} cm" + ("." if ok else ". Print it larger.")))
        else:
            ok = code_mm >= MIN_CODE_MM
            checks.append(Check("size", ok, "Printed size",
                                f"The code prints {code_mm / 10:.1f} cm wide"
                                + ("." if ok else f"; under {MIN_CODE_MM / 10:g} cm many phones cannot focus on it.")))
    sampled = DECODE_MODULE_PX * math.ceil(layout.width)
    px = min(sampled, DECODE_SCREEN_PX if width_mm is None else max(round(width_mm / 25.4 * dpi), 1))
    try:
        if raster is not None and design.bg:
            read = decode_image(raster)
        else:
            # A transparent background is read as printed, on white paper (zxing-cpp would take
            # the PNG's transparent pixels for black and never read it).
            on_paper = layout if design.bg else replace(layout, design=design.with_changes(bg=paper))
            read = decode_image(png_image(on_paper, width=px, logo_png=logo_png))
    except ValidationFailed:  # too small for this many modules: it does not decode
        read = None
    checks.append(Check("decode", read == data, "Scans", f"A QR decoder read {data}" if read == data else
                        "A QR decoder could not read this design" + (f" (it read {read!r})" if read else "")
                        + ". Raise the contrast, shrink the logo or simplify the style."))
    return CheckReport(tuple(checks))
