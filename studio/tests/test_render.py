"""The artwork renderer's geometry and files (studio.render, studio.output): exact PNG widths
with whole-pixel modules and DPI, frames that add a text band, a logo that clears the centre
and raises error correction to H, PDF pages at the printed size (crop marks outside it), EPS
with PostScript fonts, and text that cannot break out of the SVG."""

from __future__ import annotations

import io
import re

import pypdfium2 as pdfium
import pytest
from PIL import Image

from core.errors import ValidationFailed
from qrcodes.images import decode_text
from studio.design import Design
from studio.output import OutputOptions, artwork_render, output_parse
from studio.render import CROP_MARGIN_MM, artwork_layout, logo_png_prepare, png_render, svg_render

URL = "http://127.0.0.1:8000/s/AbCdEfGhIj"


def _logo() -> bytes:
    img = Image.new("RGB", (300, 200), "#cc2200")
    out = io.BytesIO()
    img.save(out, format="PNG")
    return logo_png_prepare(out.getvalue())


@pytest.mark.parametrize("width", [64, 100, 333, 512, 1000, 2048])
def test_png_is_exactly_the_width_asked_with_whole_pixel_modules(width):
    layout = artwork_layout(URL, Design())
    png = png_render(layout, width=width, dpi=300)
    img = Image.open(io.BytesIO(png))
    assert img.size == (width, width)
    assert round(img.info["dpi"][0]) == 300
    assert decode_text(png) == URL


def test_png_too_small_for_the_modules_is_refused_with_the_minimum():
    layout = artwork_layout(URL, Design())
    with pytest.raises(ValidationFailed) as err:
        png_render(layout, width=layout.code_size - 1)
    assert str(layout.code_size) in str(err.value.detail)


def test_a_frame_adds_a_band_and_keeps_the_width():
    plain = artwork_layout(URL, Design())
    framed = artwork_layout(URL, Design(frame="below", frame_text="Scan for the menu"))
    assert framed.width == plain.width + 2 and framed.height > framed.width
    img = Image.open(io.BytesIO(png_render(framed, width=600)))
    assert img.width == 600 and img.height > 600
    above = artwork_layout(URL, Design(frame="above", frame_text="Scan"))
    assert above.code_y > framed.code_y  # the band is on top


def test_a_long_frame_text_shrinks_to_fit_the_band():
    short = artwork_layout(URL, Design(frame="below", frame_text="Scan"))
    long = artwork_layout(URL, Design(frame="below", frame_text="Scan this code for our whole dinner menu"))
    assert long.text_size < short.text_size


def test_a_logo_raises_error_correction_to_h_and_clears_the_centre():
    design = Design(logo="0" * 32, logo_size=20, ecc="L")
    assert design.effective_ecc == "H"
    layout = artwork_layout(URL, design)
    lo, side = layout.logo_box
    assert (layout.n - side) % 2 == 0 and lo == (layout.n - side) // 2  # centred on the grid
    assert not [(r, c) for r, c in layout.dark if lo <= r < lo + side and lo <= c < lo + side]
    assert 0.03 < layout.logo_coverage < 0.06
    assert decode_text(png_render(layout, width=600, logo_png=_logo())) == URL


def test_svg_escapes_the_frame_text_and_embeds_the_logo():
    layout = artwork_layout(URL, Design(frame="below", frame_text='</text><script>alert(1)</script>&"', logo="0" * 32))
    svg = svg_render(layout, logo_png=_logo())
    assert "<script>" not in svg and "&lt;/text&gt;&lt;script&gt;" in svg
    assert 'href="data:image/png;base64,' in svg


def test_pdf_page_is_the_printed_size_and_crop_marks_sit_outside_it():
    layout = artwork_layout(URL, Design())
    plain = pdfium.PdfDocument(artwork_render(layout, OutputOptions(format="pdf", width_mm=50), logo_png=None))
    w, h = plain[0].get_size()
    assert w == pytest.approx(50 / 25.4 * 72, abs=0.01) and h == pytest.approx(w, abs=0.01)
    marked = pdfium.PdfDocument(artwork_render(layout, OutputOptions(format="pdf", width_mm=50, crop_marks=True),
                                               logo_png=None))
    assert marked[0].get_size()[0] == pytest.approx((50 + 2 * CROP_MARGIN_MM) / 25.4 * 72, abs=0.01)
    image = marked[0].render(scale=300 / 72).to_pil()
    assert decode_text(_png_bytes(image)) == URL


def test_eps_uses_postscript_fonts_and_the_printed_size():
    layout = artwork_layout(URL, Design(frame="below", frame_text="Scan me", font="italic"))
    eps = artwork_render(layout, OutputOptions(format="eps", width_mm=40), logo_png=None)
    assert eps.startswith(b"%!PS-Adobe")
    assert b"Helvetica-Oblique" in eps
    box = re.search(rb"%%BoundingBox: (\S+) (\S+) (\S+) (\S+)", eps)
    assert box and float(box.group(3)) - float(box.group(1)) == pytest.approx(40 / 25.4 * 72, abs=1.5)


def test_svg_file_carries_its_printed_size_in_mm():
    layout = artwork_layout(URL, Design())
    svg = artwork_render(layout, OutputOptions(format="svg", width_mm=30), logo_png=None).decode()
    assert 'width="30mm"' in svg and 'height="30.00mm"' in svg


def test_transparent_background_png_has_alpha():
    layout = artwork_layout(URL, Design(bg=None))
    img = Image.open(io.BytesIO(png_render(layout, width=333)))
    assert img.mode == "RGBA" and img.getpixel((0, 0))[3] == 0


@pytest.mark.parametrize("params, field", [
    ({"format": "tiff"}, "format"),
    ({"size": "100", "mm": "30"}, "mm"),
    ({"format": "pdf", "size": "500"}, "size"),
    ({"mm": "5"}, "mm"),
    ({"mm": "nan"}, "mm"),
    ({"mm": "1e309"}, "mm"),
    ({"dpi": "9999999999999999999999"}, "dpi"),
    ({"format": "png", "mm": "1000", "dpi": "1200"}, "mm"),
    ({"distance_m": "-1"}, "distance_m"),
    ({"size": "12\x00"}, "size"),
])
def test_bad_output_options_are_named(params, field):
    with pytest.raises(ValidationFailed) as err:
        output_parse(params)
    assert field in err.value.detail


def test_output_defaults_to_a_50_mm_pdf():
    out = output_parse({})
    assert (out.format, out.width_mm, out.dpi) == ("pdf", 50, 300)
    assert output_parse({"format": "png", "mm": "30", "dpi": "300"}).pixels == 354


def _png_bytes(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def test_a_printed_width_in_inches():
    assert output_parse({"inches": "2"}).width_mm == pytest.approx(50.8)
    assert output_parse({"mm": "2", "unit": "in", "format": "png", "dpi": "300"}).pixels == 600  # the form's box
    for bad in ({"inches": "2", "mm": "50"}, {"inches": "100"}, {"unit": "ft", "mm": "2"}):
        with pytest.raises(ValidationFailed):
            output_parse(bad)
