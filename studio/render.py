"""Artwork: a designed QR code drawn from one geometry (`artwork_layout`) into SVG (written
here), PNG (that SVG rasterised by resvg, modules on whole pixels), PDF and EPS (reportlab,
vector). All sizes in the layout are in modules; y grows downwards.

The frame text uses Bitstream Vera (shipped inside reportlab's wheel) in the SVG, PNG and PDF,
and the printer-resident Helvetica in EPS (PostScript cannot embed a TrueType font here); the
text is sized to fit the wider of the two."""

from __future__ import annotations

import base64
import io
import os
from dataclasses import dataclass, field
from functools import cache
from xml.sax.saxutils import escape

import reportlab
import resvg_py
import segno
from PIL import Image
from reportlab.graphics import renderPDF, renderPS
from reportlab.graphics.shapes import Drawing, Group, Line, Path, Rect, String
from reportlab.graphics.shapes import Image as RLImage
from reportlab.lib.colors import HexColor
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from core.errors import ValidationFailed
from studio.design import Design

FINDER = 7  # a finder pattern is 7x7 modules
FRAME_BORDER = 1.0  # modules of frame colour around the code box
FRAME_RADIUS = 1.5
_FONT_DIR = os.path.join(os.path.dirname(reportlab.__file__), "fonts")
# font key -> (TrueType file in reportlab/fonts, PostScript font for EPS, SVG weight, SVG style)
_FONTS = {
    "sans": ("Vera.ttf", "Helvetica", "normal", "normal"),
    "bold": ("VeraBd.ttf", "Helvetica-Bold", "bold", "normal"),
    "italic": ("VeraIt.ttf", "Helvetica-Oblique", "normal", "italic"),
    "bold-italic": ("VeraBI.ttf", "Helvetica-BoldOblique", "bold", "italic"),
}
_SVG_FONT_FAMILY = "Bitstream Vera Sans, Verdana, DejaVu Sans, sans-serif"


@dataclass
class Layout:
    """Where everything goes, in modules."""

    design: Design
    matrix: tuple
    n: int  # modules per side of the symbol
    width: float  # the whole artwork
    height: float
    code_x: float  # the code box (quiet zone included), `code_size` wide
    code_y: float
    code_size: int
    logo_box: tuple[int, int] | None = None  # (first module, modules per side) cleared for the logo
    band: tuple[float, float] | None = None  # frame text band (top, height)
    text_size: float = 0.0
    dark: list[tuple[int, int]] = field(default_factory=list)  # (row, col) of drawn data modules

    @property
    def logo_coverage(self) -> float:
        """Share of the symbol's area the logo takes away (0 with no logo)."""
        return (self.logo_box[1] ** 2) / (self.n ** 2) if self.logo_box else 0.0

    @property
    def symbol_share(self) -> float:
        """The symbol's width (no quiet zone) as a share of the artwork's width."""
        return self.n / self.width


def _in_finder(r: int, c: int, n: int) -> bool:
    return (r < FINDER and (c < FINDER or c >= n - FINDER)) or (r >= n - FINDER and c < FINDER)


@cache
def _text_width(font: str, text: str) -> float:
    """Width of `text` at size 1, the wider of the TrueType (PNG/SVG/PDF) and PostScript (EPS) fonts."""
    ttf, ps_font, *_ = _FONTS[font]
    return max(pdfmetrics.stringWidth(text, _ttf_name(font), 1), pdfmetrics.stringWidth(text, ps_font, 1))


@cache
def _ttf_name(font: str) -> str:
    name = f"OI-{font}"
    pdfmetrics.registerFont(TTFont(name, os.path.join(_FONT_DIR, _FONTS[font][0])))
    return name


def artwork_layout(data: str, design: Design) -> Layout:
    """The geometry of `data`'s code in `design`: symbol, quiet zone, logo area, frame."""
    qr = segno.make(data, error=design.effective_ecc, micro=False, boost_error=False)
    matrix = qr.matrix
    n = len(matrix)
    q = design.quiet_zone
    code_size = n + 2 * q
    logo_box = None
    if design.logo:
        side = max(1, round(n * design.logo_size / 100))
        if (n - side) % 2:
            side += 1  # centred on the module grid
        logo_box = ((n - side) // 2, side)
    if design.frame == "none":
        layout = Layout(design, matrix, n, code_size, code_size, 0, 0, code_size, logo_box)
    else:
        band_h = max(5.0, round(code_size * 0.22, 1))
        width = code_size + 2 * FRAME_BORDER
        height = code_size + 2 * FRAME_BORDER + band_h
        if design.frame == "below":
            code_y, band_top = FRAME_BORDER, FRAME_BORDER + code_size
        else:
            code_y, band_top = FRAME_BORDER + band_h, FRAME_BORDER
        layout = Layout(design, matrix, n, width, height, FRAME_BORDER, code_y, code_size, logo_box,
                        band=(band_top, band_h))
        if design.frame_text:
            room = width - 2 * FRAME_BORDER - 1
            layout.text_size = min(band_h * 0.5, room / _text_width(design.font, design.frame_text))
    lo, side = logo_box if logo_box else (0, 0)
    for r, row in enumerate(matrix):
        for c, bit in enumerate(row):
            if not bit or _in_finder(r, c, n):
                continue
            if logo_box and lo <= r < lo + side and lo <= c < lo + side:
                continue
            layout.dark.append((r, c))
    return layout


# ---- SVG -----------------------------------------------------------------------------------

def _module_path(style: str, cells: list[tuple[int, int]], ox: float, oy: float) -> str:
    parts = []
    for r, c in cells:
        x, y = ox + c, oy + r
        if style == "dots":
            parts.append(f"M{x + .05:g} {y + .5:g}a.45 .45 0 1 0 .9 0a.45 .45 0 1 0-.9 0z")
        elif style == "rounded":
            parts.append(f"M{x + .3:g} {y:g}h.4a.3 .3 0 0 1 .3 .3v.4a.3 .3 0 0 1-.3 .3h-.4a.3 .3 0 0 1-.3-.3"
                         f"v-.4a.3 .3 0 0 1 .3-.3z")
        else:
            parts.append(f"M{x:g} {y:g}h1v1h-1z")
    return "".join(parts)


def _finder_radii(style: str) -> tuple[float, float]:
    """Corner radius of the ring (drawn 6 wide) and of the 3x3 eye."""
    return {"square": (0.0, 0.0), "rounded": (1.6, 0.8), "dots": (3.0, 1.5)}[style]


def _finder_origins(layout: Layout) -> list[tuple[float, float]]:
    n, ox, oy = layout.n, layout.code_x + layout.design.quiet_zone, layout.code_y + layout.design.quiet_zone
    return [(ox, oy), (ox + n - FINDER, oy), (ox, oy + n - FINDER)]


def logo_png_prepare(raw: bytes) -> bytes:
    """An uploaded image as a PNG at most 512 px on its longer side (what the artwork embeds).
    ValidationFailed when it is not an image Pillow can read."""
    try:
        with Image.open(io.BytesIO(raw)) as img:
            if img.width * img.height > 40_000_000:
                raise ValidationFailed({"logo": "This image is too large (over 40 megapixels)."})
            img.load()
            logo = img.convert("RGBA")
    except (OSError, ValueError, Image.DecompressionBombError) as e:
        raise ValidationFailed({"logo": "This file is not an image we can read (use PNG, JPEG, GIF or WebP)."}) from e
    logo.thumbnail((512, 512))
    out = io.BytesIO()
    logo.save(out, format="PNG", optimize=False)
    return out.getvalue()


def _logo_rect(layout: Layout, logo_png: bytes) -> tuple[float, float, float, float]:
    lo, side = layout.logo_box
    pad = 0.5
    box = side - 2 * pad
    with Image.open(io.BytesIO(logo_png)) as img:
        w, h = img.size
    scale = box / max(w, h)
    lw, lh = w * scale, h * scale
    x = layout.code_x + layout.design.quiet_zone + lo + pad + (box - lw) / 2
    y = layout.code_y + layout.design.quiet_zone + lo + pad + (box - lh) / 2
    return x, y, lw, lh


def _code_paper(design: Design) -> str | None:
    """What is painted under the code: its background, or white inside a frame (a transparent
    code on a coloured frame would not scan)."""
    return design.bg or ("#ffffff" if design.frame != "none" else None)


def svg_render(layout: Layout, *, logo_png: bytes | None = None, width_attr: str = "",
               height_attr: str = "") -> str:
    """The artwork as a standalone SVG document (the logo embedded as a data: URI)."""
    d = layout.design
    w, h = layout.width, layout.height
    size = f' width="{width_attr}" height="{height_attr}"' if width_attr else ""
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w:g} {h:g}"{size}>']
    if layout.band:
        out.append(f'<rect width="{w:g}" height="{h:g}" rx="{FRAME_RADIUS}" fill="{d.frame_color}"/>')
    paper = _code_paper(d)
    if paper:
        out.append(f'<rect x="{layout.code_x:g}" y="{layout.code_y:g}" width="{layout.code_size}" '
                   f'height="{layout.code_size}" fill="{paper}"/>')
    ox, oy = layout.code_x + d.quiet_zone, layout.code_y + d.quiet_zone
    out.append(f'<path fill="{d.fg}" d="{_module_path(d.module_style, layout.dark, ox, oy)}"/>')
    ring_r, eye_r = _finder_radii(d.finder_style)
    for fx, fy in _finder_origins(layout):
        out.append(f'<rect x="{fx + .5:g}" y="{fy + .5:g}" width="6" height="6" rx="{ring_r:g}" fill="none" '
                   f'stroke="{d.finder_color}" stroke-width="1"/>')
        out.append(f'<rect x="{fx + 2:g}" y="{fy + 2:g}" width="3" height="3" rx="{eye_r:g}" fill="{d.finder_color}"/>')
    if layout.logo_box and logo_png:
        x, y, lw, lh = _logo_rect(layout, logo_png)
        data = base64.b64encode(logo_png).decode("ascii")
        out.append(f'<image x="{x:g}" y="{y:g}" width="{lw:g}" height="{lh:g}" '
                   f'href="data:image/png;base64,{data}"/>')
    if layout.band and d.frame_text:
        _, _, weight, style = _FONTS[d.font]
        top, band_h = layout.band
        baseline = top + band_h / 2 + layout.text_size * 0.36
        out.append(f'<text x="{w / 2:g}" y="{baseline:.3f}" font-family="{_SVG_FONT_FAMILY}" '
                   f'font-size="{layout.text_size:.3f}" font-weight="{weight}" font-style="{style}" '
                   f'text-anchor="middle" fill="{d.frame_text_color}">{escape(d.frame_text)}</text>')
    out.append("</svg>")
    return "".join(out)


# ---- PNG -----------------------------------------------------------------------------------

def png_image(layout: Layout, *, width: int, logo_png: bytes | None = None) -> Image.Image:
    """The artwork rasterised exactly `width` pixels wide (height in proportion): modules are
    whole pixels and what is left over widens the margin around the artwork, centred."""
    module_px = width // layout.code_size if layout.band is None else int(width / layout.width)
    if module_px < 1:
        raise ValidationFailed({"size": f"This design needs at least {int(layout.width + 0.999)} pixels "
                                        "(one per module)."})
    inner_w = round(module_px * layout.width)
    inner_h = round(module_px * layout.height)
    svg = svg_render(layout, logo_png=logo_png)
    png = resvg_py.svg_to_bytes(svg_string=svg, width=inner_w, height=inner_h, skip_system_fonts=True,
                                font_files=[os.path.join(_FONT_DIR, _FONTS[layout.design.font][0])])
    img = Image.open(io.BytesIO(png))
    pad = width - inner_w
    # Outside a frame is the paper (white, as in the PDF), not the code's background: a dark
    # background must not show as dark corners around a framed artwork.
    paper = layout.design.bg if layout.band is None else "#ffffff"
    if layout.design.bg is None:
        img = img.convert("RGBA")
        fill: tuple | str = (0, 0, 0, 0)
    else:
        img = img.convert("RGB") if layout.band is None else _flatten(img, paper)
        fill = paper
    if pad:
        canvas = Image.new(img.mode, (width, inner_h + pad), fill)
        canvas.paste(img, (pad // 2, pad // 2))
        img = canvas
    return img


def png_render(layout: Layout, *, width: int, dpi: int = 72, logo_png: bytes | None = None) -> bytes:
    """png_image as a PNG file with `dpi` in it."""
    out = io.BytesIO()
    png_image(layout, width=width, logo_png=logo_png).save(out, format="PNG", dpi=(dpi, dpi))
    return out.getvalue()


def _flatten(img: Image.Image, paper: str) -> Image.Image:
    """A framed artwork's rounded corners are transparent: lay it on the background colour."""
    rgba = img.convert("RGBA")
    base = Image.new("RGBA", rgba.size, paper)
    base.alpha_composite(rgba)
    return base.convert("RGB")


# ---- PDF and EPS ---------------------------------------------------------------------------

CROP_MARGIN_MM = 8.0
_MM = 72 / 25.4


def artwork_drawing(layout: Layout, *, width_pt: float, logo_png: bytes | None, eps: bool = False,
                    margin_pt: float = 0.0) -> Drawing:
    """The artwork as a reportlab Drawing `width_pt` points wide (vector; PDF pages and sheets
    draw it, EPS renders it with PostScript fonts when `eps`)."""
    d = layout.design
    u = width_pt / layout.width  # points per module
    total_h = layout.height * u
    drawing = Drawing(width_pt + 2 * margin_pt, total_h + 2 * margin_pt)
    g = Group()
    g.transform = (1, 0, 0, 1, margin_pt, margin_pt)

    def box(x: float, y: float, w: float, h: float, **kw) -> Rect:  # y down -> reportlab's y up
        return Rect(x * u, total_h - (y + h) * u, w * u, h * u, **kw)

    if layout.band:
        g.add(box(0, 0, layout.width, layout.height, rx=FRAME_RADIUS * u, ry=FRAME_RADIUS * u,
                  fillColor=HexColor(d.frame_color), strokeColor=None))
    paper = _code_paper(d)
    if paper:
        g.add(box(layout.code_x, layout.code_y, layout.code_size, layout.code_size,
                  fillColor=HexColor(paper), strokeColor=None))
    ox, oy = layout.code_x + d.quiet_zone, layout.code_y + d.quiet_zone
    fg = HexColor(d.fg)
    if d.module_style == "square":
        path = Path(fillColor=fg, strokeColor=None, fillMode=1)  # nonzero: touching squares fill as one
        for r, c in layout.dark:
            x, y = (ox + c) * u, total_h - (oy + r + 1) * u
            path.moveTo(x, y)
            path.lineTo(x + u, y)
            path.lineTo(x + u, y + u)
            path.lineTo(x, y + u)
            path.closePath()
        g.add(path)
    elif d.module_style == "rounded":
        # A square inset by the corner radius, filled and stroked twice the radius wide with
        # round joins, is the rounded square: 8 numbers a module instead of 34 with Beziers
        # (a sheet of 100 codes writes hundreds of thousands of them).
        path = Path(fillColor=fg, strokeColor=fg, strokeWidth=.6 * u, strokeLineJoin=1, fillMode=1)
        for r, c in layout.dark:
            x, y = (ox + c + .3) * u, total_h - (oy + r + .7) * u
            path.moveTo(x, y)
            path.lineTo(x + .4 * u, y)
            path.lineTo(x + .4 * u, y + .4 * u)
            path.lineTo(x, y + .4 * u)
            path.closePath()
        g.add(path)
    else:
        # dots: a zero-length line with a round cap .9 wide is a disc (PDF and PostScript paint
        # degenerate subpaths with round caps as dots)
        path = Path(fillColor=None, strokeColor=fg, strokeWidth=.9 * u, strokeLineCap=1)
        for r, c in layout.dark:
            x, y = (ox + c + .5) * u, total_h - (oy + r + .5) * u
            path.moveTo(x, y)
            path.lineTo(x, y)
        g.add(path)
    ring_r, eye_r = _finder_radii(d.finder_style)
    finder = HexColor(d.finder_color)
    for fx, fy in _finder_origins(layout):
        g.add(box(fx + .5, fy + .5, 6, 6, rx=ring_r * u, ry=ring_r * u, fillColor=None, strokeColor=finder,
                  strokeWidth=u))
        g.add(box(fx + 2, fy + 2, 3, 3, rx=eye_r * u, ry=eye_r * u, fillColor=finder, strokeColor=None))
    if layout.logo_box and logo_png:
        x, y, lw, lh = _logo_rect(layout, logo_png)
        g.add(RLImage(x * u, total_h - (y + lh) * u, lw * u, lh * u, Image.open(io.BytesIO(logo_png))))
    if layout.band and d.frame_text:
        top, band_h = layout.band
        baseline = top + band_h / 2 + layout.text_size * 0.36
        g.add(String(layout.width / 2 * u, total_h - baseline * u, d.frame_text,
                     fontName=_FONTS[d.font][1] if eps else _ttf_name(d.font), fontSize=layout.text_size * u,
                     fillColor=HexColor(d.frame_text_color), textAnchor="middle"))
    drawing.add(g)
    return drawing


def _crop_marks(drawing: Drawing, margin: float) -> None:
    """Hairlines at the four corners, outside the artwork, where the guillotine cuts."""
    w, h = drawing.width, drawing.height
    length = margin * 0.7
    for x in (margin, w - margin):
        for y_from, y_to in ((0, length), (h - length, h)):
            drawing.add(Line(x, y_from, x, y_to, strokeWidth=0.25))
    for y in (margin, h - margin):
        for x_from, x_to in ((0, length), (w - length, w)):
            drawing.add(Line(x_from, y, x_to, y, strokeWidth=0.25))


def pdf_render(layout: Layout, *, width_mm: float, logo_png: bytes | None = None, crop_marks: bool = False) -> bytes:
    """One page, the artwork at `width_mm` (vector); with crop marks, an 8 mm margin holds them."""
    margin = CROP_MARGIN_MM * _MM if crop_marks else 0.0
    drawing = artwork_drawing(layout, width_pt=width_mm * _MM, logo_png=logo_png, eps=False, margin_pt=margin)
    if crop_marks:
        _crop_marks(drawing, margin)
    # invariant: no creation date or random document id, so the same artwork is the same bytes
    # (a repeated download finds its stored version instead of making a new one)
    return renderPDF.drawToString(drawing, invariant=True)


def eps_render(layout: Layout, *, width_mm: float, logo_png: bytes | None = None) -> bytes:
    drawing = artwork_drawing(layout, width_pt=width_mm * _MM, logo_png=logo_png, eps=True)
    return renderPS.drawToString(drawing)
