"""Every QR image the product offers scans back to the code's short URL (issue 14, first part),
checked by a real decoder (zxing-cpp) at several sizes, colours and error-correction levels; a
PNG is exactly the pixel size asked and carries the DPI asked; colours that would not scan
(contrast below 4.5:1, or light on dark without confirmation) are refused with the reason."""

from __future__ import annotations

import io

import pytest
import zxingcpp
from PIL import Image

from qrcodes.images import ImageOptions, contrast_ratio, image_options_parse, qr_image_render
from qrcodes.selectors import short_url

pytestmark = pytest.mark.django_db

URL = "http://127.0.0.1:8000/s/Ab3dEf7hJk"


def _decode(png: bytes) -> list[str]:
    img = Image.open(io.BytesIO(png))
    if img.mode == "RGBA":  # a transparent code is printed on white paper
        paper = Image.new("RGB", img.size, "white")
        paper.paste(img, mask=img.split()[3])
        img = paper
    return [r.text for r in zxingcpp.read_barcodes(img.convert("L"))]


@pytest.mark.parametrize("size", [64, 100, 256, 481, 512, 1000, 2048])
@pytest.mark.parametrize("ecc", ["L", "M", "Q", "H"])
def test_png_is_the_exact_size_asked_and_decodes_to_the_url(size, ecc):
    png = qr_image_render(data=URL, options=image_options_parse({"size": str(size), "ecc": ecc}))
    img = Image.open(io.BytesIO(png))
    assert img.size == (size, size)  # 512 asked, 512 given (was 481; 64 gave 37)
    assert _decode(png) == [URL]


@pytest.mark.parametrize("fg,bg", [("000000", "ffffff"), ("1d2330", "f5f0e6"), ("0b3d91", "ffffff"),
                                   ("5a1e00", "ffd54f"), ("000000", "transparent")])
def test_coloured_codes_that_pass_the_checks_decode(fg, bg):
    png = qr_image_render(data=URL, options=image_options_parse({"size": "400", "fg": fg, "bg": bg}))
    assert _decode(png) == [URL]


def test_confirmed_inverted_code_still_decodes():
    opts = image_options_parse({"size": "400", "fg": "ffffff", "bg": "000000", "inverted": "1"})
    assert _decode(qr_image_render(data=URL, options=opts)) == [URL]


@pytest.mark.parametrize("dpi,mm,pixels", [(300, 30, 354), (600, 30, 709), (300, 100, 1181)])
def test_physical_size_and_dpi_are_in_the_png(dpi, mm, pixels):
    opts = image_options_parse({"mm": str(mm), "dpi": str(dpi)})
    png = qr_image_render(data=URL, options=opts)
    img = Image.open(io.BytesIO(png))
    assert img.size == (pixels, pixels)
    assert tuple(round(v) for v in img.info["dpi"]) == (dpi, dpi)
    assert _decode(png) == [URL]


def test_svg_rasterised_decodes_at_several_sizes():
    import resvg_py as resvg

    for size in (128, 512):
        svg = qr_image_render(data=URL, options=image_options_parse({"format": "svg", "size": str(size)}))
        png = bytes(resvg.svg_to_bytes(svg_string=svg.decode()))
        assert _decode(png) == [URL]


@pytest.mark.parametrize("params,field,words", [
    ({"fg": "ff0000", "bg": "ff0001"}, "bg", "contrast 1.0:1"),  # decoded as nothing before
    ({"fg": "777777", "bg": "999999"}, "bg", "at least 4.5:1"),
    ({"fg": "ffffff", "bg": "000000"}, "fg", "inverted"),  # light on dark, not confirmed
    ({"fg": "eeeeee", "bg": "transparent"}, "fg", "contrast"),  # pale ink on white paper
    ({"mm": "30", "size": "300"}, "mm", "not both"),
    ({"mm": "1000", "dpi": "1200"}, "mm", "SVG"),
    ({"dpi": "5000"}, "dpi", "Dots per inch"),
    ({"mm": "abc"}, "mm", "printed width"),
    ({"mm": "9999"}, "mm", "printed width"),
    ({"dpi": "3\x00"}, "dpi", "Dots per inch"),
    ({"size": "-5"}, "size", "whole number"),
])
def test_codes_that_would_not_scan_are_refused_with_the_reason(params, field, words):
    from core.errors import ValidationFailed

    with pytest.raises(ValidationFailed) as err:
        image_options_parse(params)
    assert words in err.value.detail[field]


def test_contrast_ratio_is_wcags():
    assert round(contrast_ratio("#000000", "#ffffff"), 1) == 21.0
    assert round(contrast_ratio("#ffffff", "#ffffff"), 1) == 1.0
    assert round(contrast_ratio("#777777", "#ffffff"), 2) == 4.48


def test_a_size_too_small_for_the_code_is_refused():
    from core.errors import ValidationFailed

    long_url = "https://example.com/" + "x" * 300
    with pytest.raises(ValidationFailed) as err:
        qr_image_render(data=long_url, options=ImageOptions(size=64))
    assert "at least" in err.value.detail["size"]


def test_the_api_image_decodes_to_the_codes_short_url(api_a, qr_a):
    r = api_a.get(f"/api/qrcodes/{qr_a.pk}/image?format=png&size=512&dpi=300&fg=1d2330&bg=f5f0e6")
    assert r.status_code == 200
    assert Image.open(io.BytesIO(r.content)).size == (512, 512)
    assert _decode(r.content) == [short_url(qr_a)]
    assert api_a.get(f"/api/qrcodes/{qr_a.pk}/image?dpi=%00").status_code == 400  # NUL: the request guard
    bad = api_a.get(f"/api/qrcodes/{qr_a.pk}/image?fg=ff0000&bg=ff0001")
    assert bad.status_code == 400 and bad.json()["error"] == "validation_error"
    assert "contrast" in bad.json()["detail"]["bg"]


@pytest.mark.parametrize("mm", [25, 60])
def test_pdf_is_drawn_at_the_printed_width_and_decodes(mm):
    import pypdfium2 as pdfium

    pdf = qr_image_render(data=URL, options=image_options_parse({"format": "pdf", "mm": str(mm), "dpi": "300"}))
    doc = pdfium.PdfDocument(pdf)
    page = doc[0]
    width_pt, height_pt = page.get_size()
    assert round(width_pt / 72 * 25.4) == mm == round(height_pt / 72 * 25.4)
    png = io.BytesIO()
    page.render(scale=300 / 72).to_pil().save(png, format="PNG")
    assert _decode(png.getvalue()) == [URL]


def test_eps_has_the_printed_size_in_its_bounding_box():
    eps = qr_image_render(data=URL, options=image_options_parse({"format": "eps", "mm": "50"})).decode("ascii")
    assert eps.startswith("%!PS-Adobe-3.0 EPSF-3.0")
    box = next(line for line in eps.splitlines() if line.startswith("%%BoundingBox:"))
    x0, y0, x1, y1 = (float(v) for v in box.split()[1:])
    assert (x0, y0) == (0, 0) and abs(x1 - 50 / 25.4 * 72) < 0.01 and abs(y1 - 50 / 25.4 * 72) < 0.01


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["png", "pdf"])
def test_a_download_that_a_decoder_cannot_read_is_refused(api_a, qr_a, monkeypatch, fmt):
    """Downloads are read back by zxing-cpp before they are offered; what it cannot read is
    refused (a stand-in decoder that reads nothing shows the path)."""
    url = f"/api/qrcodes/{qr_a.pk}/image?format={fmt}&download=1"
    assert api_a.get(url).status_code == 200
    monkeypatch.setattr("qrcodes.images.decode_text", lambda png: None)
    res = api_a.get(url)
    assert res.status_code == 400 and "decoder" in res.json()["detail"]["fg"]
    assert api_a.get(f"/api/qrcodes/{qr_a.pk}/image?format={fmt}").status_code == 200  # screen images are not
