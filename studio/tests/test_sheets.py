"""Print files of many codes (studio.sheets): a ZIP holds one print file per code, each
decoded back to its code's short URL and stored as a numbered artwork version; a PDF sheet
holds N codes per A4 or Letter page, every one of them decoded from the rendered page, with the
names under them; one code that is not print-ready refuses the whole download; foreign and
missing ids look the same; bad options are refused with the field named."""

from __future__ import annotations

import io
import math
import re
import uuid
import zipfile

import pypdfium2 as pdfium
import pytest
import zxingcpp
from PIL import Image

from core.errors import NotFound, ValidationFailed
from core.scoping import bind_organization
from qrcodes.images import decode_text
from qrcodes.selectors import short_url
from studio.design import Design
from studio.errors import NotPrintReady
from studio.models import ArtworkVersion, QRDesign
from studio.output import output_parse
from studio.sheets import MAX_CODES, SheetOptions, artwork_sheet_pdf, artwork_zip, name_fit, sheet_parse
from studio.tests.conftest import qr_create

pytestmark = pytest.mark.django_db

STYLED = Design(fg="#1d2a5b", module_style="rounded", finder_style="rounded", frame="below",
                frame_text="Scan for the menu", frame_color="#1d2a5b")


def _codes(org, user, n: int, prefix: str = "Table") -> list:
    return [qr_create(org, user, name=f"{prefix} {i + 1}", qr_url=f"https://pizza.example/t/{i}") for i in range(n)]


def _design(org, qr, design: Design) -> None:
    QRDesign.all_orgs.update_or_create(organization=org, qr_code=qr, defaults={"design": design.as_dict()})


def _pdf_pages(body: bytes, dpi: int = 300) -> list[tuple[tuple[float, float], set[str], str]]:
    """(page size in points, texts zxing-cpp reads from the page rendered at `dpi`, page text)."""
    pdf = pdfium.PdfDocument(body)
    pages = []
    for page in pdf:
        img = page.render(scale=dpi / 72).to_pil().convert("L")
        found = {r.text for r in zxingcpp.read_barcodes(img, formats=zxingcpp.BarcodeFormat.QRCode)}
        pages.append((tuple(round(v) for v in page.get_size()), found, page.get_textpage().get_text_range()))
    return pages


def _zip(org, user, codes, **output):
    with bind_organization(org):
        body = artwork_zip(organization=org, actor=user, qr_code_ids=[str(q.pk) for q in codes],
                           output=output_parse(output))
    return zipfile.ZipFile(io.BytesIO(body))


def _sheet(org, user, codes, **sheet):
    with bind_organization(org):
        return artwork_sheet_pdf(organization=org, actor=user, qr_code_ids=[str(q.pk) for q in codes],
                                 sheet=sheet_parse(sheet))


# ---- ZIP -------------------------------------------------------------------------------------

def test_zip_of_pngs_holds_one_file_per_code_each_decoding_to_its_short_url(studio_org, studio_admin):
    codes = _codes(studio_org, studio_admin, 3)
    _design(studio_org, codes[1], STYLED)
    archive = _zip(studio_org, studio_admin, codes, format="png", mm="40", dpi="300")
    names = archive.namelist()
    assert names == [f"table-{i + 1}-{qr.short_code}-v1.png" for i, qr in enumerate(codes)]
    for name, qr in zip(names, codes, strict=True):
        png = archive.read(name)
        assert Image.open(io.BytesIO(png)).width == round(40 / 25.4 * 300)
        assert decode_text(png) == short_url(qr)
    with bind_organization(studio_org):
        assert sorted(ArtworkVersion.objects.values_list("qr_code_id", "number")) == sorted((q.pk, 1) for q in codes)


def test_zip_of_pdfs_decodes_after_rasterising(studio_org, studio_viewer, studio_admin):
    codes = _codes(studio_org, studio_admin, 2)
    archive = _zip(studio_org, studio_viewer, codes, format="pdf", mm="50")  # a Viewer may download
    assert len(archive.namelist()) == 2
    for name, qr in zip(archive.namelist(), codes, strict=True):
        assert name.endswith(f"-{qr.short_code}-v1.pdf")
        (size, found, _), = _pdf_pages(archive.read(name))
        assert found == {short_url(qr)}
        assert size[0] == round(50 * 72 / 25.4)


def test_zip_again_reuses_identical_versions_and_numbers_a_new_design(studio_org, studio_admin):
    codes = _codes(studio_org, studio_admin, 2)
    first = _zip(studio_org, studio_admin, codes, format="svg", mm="60")
    again = _zip(studio_org, studio_admin, codes, format="svg", mm="60")
    assert again.namelist() == first.namelist()
    assert [again.read(n) for n in again.namelist()] == [first.read(n) for n in first.namelist()]
    _design(studio_org, codes[0], STYLED)
    third = _zip(studio_org, studio_admin, codes, format="svg", mm="60")
    assert third.namelist()[0].endswith(f"{codes[0].short_code}-v2.svg")
    assert third.namelist()[1] == first.namelist()[1]  # unchanged code: same version, same file


def test_one_code_not_print_ready_refuses_the_whole_zip_naming_it(studio_org, studio_admin):
    codes = _codes(studio_org, studio_admin, 3)
    _design(studio_org, codes[2], Design(fg="#ff0000", bg="#ff0001"))
    with pytest.raises(NotPrintReady) as err:
        _zip(studio_org, studio_admin, codes, format="pdf", mm="50")
    detail = err.value.detail
    assert list(detail) == [f"Table 3 ({codes[2].short_code})"]
    assert "contrast" in detail[f"Table 3 ({codes[2].short_code})"].lower()
    with bind_organization(studio_org):
        assert not ArtworkVersion.objects.exists()  # nothing stored for the good ones either


def test_a_logo_deleted_since_names_the_code_instead_of_failing(studio_org, studio_admin, logo_upload):
    codes = _codes(studio_org, studio_admin, 2)
    _design(studio_org, codes[0], STYLED.with_changes(logo=str(logo_upload.pk)))
    assert len(_zip(studio_org, studio_admin, codes, format="png", mm="40").namelist()) == 2  # with its logo
    logo_upload.delete()
    for call in (_zip, _sheet):
        with pytest.raises(NotPrintReady) as err:
            call(studio_org, studio_admin, codes)
        assert list(err.value.detail) == [f"Table 1 ({codes[0].short_code})"]
        assert "uploaded images" in err.value.detail[f"Table 1 ({codes[0].short_code})"]


def test_zip_too_small_for_the_scanning_distance_is_refused(studio_org, studio_admin):
    codes = _codes(studio_org, studio_admin, 1)
    with pytest.raises(NotPrintReady) as err:
        _zip(studio_org, studio_admin, codes, format="pdf", mm="50", distance_m="3")
    assert "30 cm" in next(iter(err.value.detail.values()))


# ---- PDF sheet -------------------------------------------------------------------------------

@pytest.mark.parametrize("per_page", [4, 6])
def test_sheet_pages_hold_per_page_codes_that_all_decode_with_their_names(studio_org, studio_admin, per_page):
    codes = _codes(studio_org, studio_admin, 7)
    _design(studio_org, codes[0], STYLED)
    pages = _pdf_pages(_sheet(studio_org, studio_admin, codes, paper="a4", per_page=per_page))
    assert len(pages) == math.ceil(7 / per_page)
    for p, (_, found, text) in enumerate(pages):
        on_page = codes[p * per_page:(p + 1) * per_page]
        assert found == {short_url(qr) for qr in on_page}
        assert [n for n in re.findall(r"Table \d+", text)] == [qr.name for qr in on_page]


def test_twenty_labels_per_page_all_decode(studio_org, studio_admin):
    codes = _codes(studio_org, studio_admin, 20, prefix="Seat")
    (_, found, text), = _pdf_pages(_sheet(studio_org, studio_admin, codes, per_page=20, cut_lines=True))
    assert found == {short_url(qr) for qr in codes}
    assert "Seat 20" in text


@pytest.mark.parametrize("paper,size", [("a4", (595, 842)), ("letter", (612, 792))])
def test_paper_sizes(studio_org, studio_admin, paper, size):
    codes = _codes(studio_org, studio_admin, 2)
    pages = _pdf_pages(_sheet(studio_org, studio_admin, codes, paper=paper, per_page=1))
    assert [p[0] for p in pages] == [size, size]
    assert all(len(p[1]) == 1 for p in pages)


def test_long_names_are_cut_with_an_ellipsis_and_names_can_be_left_out(studio_org, studio_admin):
    long = "The terrace table by the big window, next to the fountain and the lemon trees"
    qr = qr_create(studio_org, studio_admin, name=long)
    (_, found, text), = _pdf_pages(_sheet(studio_org, studio_admin, [qr], per_page=12))
    assert found == {short_url(qr)}
    assert "The terrace table" in text and "…" in text and "lemon trees" not in text
    (_, found, text), = _pdf_pages(_sheet(studio_org, studio_admin, [qr], per_page=12, name_under=False))
    assert found == {short_url(qr)} and "terrace" not in text
    assert name_fit("Ünïcödé ✓ 名前", 500, 9) == "Ünïcödé ✓ 名前"


def test_sheet_refuses_a_code_that_prints_too_small_in_its_cell(studio_org, studio_admin):
    codes = _codes(studio_org, studio_admin, 2)
    _design(studio_org, codes[1], Design(quiet_zone=16, frame="below", frame_text="Scan me"))
    with pytest.raises(NotPrintReady) as err:
        _sheet(studio_org, studio_admin, codes, per_page=20)
    assert list(err.value.detail) == [f"Table 2 ({codes[1].short_code})"]
    assert "Printed size" in err.value.detail[f"Table 2 ({codes[1].short_code})"]
    assert _pdf_pages(_sheet(studio_org, studio_admin, codes, per_page=4))[0][1] == {short_url(q) for q in codes}


# ---- ids, limits and options -------------------------------------------------------------------

def test_foreign_missing_and_malformed_ids_are_the_same_not_found(studio_org, studio_admin, other_org_qr):
    mine = _codes(studio_org, studio_admin, 1)[0]
    messages = set()
    for bad in (str(other_org_qr.pk), str(uuid.uuid4()), "not-an-id", "\x00"):
        for call in (_zip, _sheet):
            with pytest.raises(NotFound) as err:
                call(studio_org, studio_admin, [mine, type("Q", (), {"pk": bad})()])
            messages.add(str(err.value.detail))
    assert messages == {"One or more QR codes were not found."}
    with bind_organization(studio_org):
        assert not ArtworkVersion.objects.exists()


@pytest.mark.parametrize("ids,words", [
    ([], "at least one"), ("abc", "at least one"), (None, "at least one"), ({"a": 1}, "at least one"),
    ([str(uuid.uuid4())] * (MAX_CODES + 1), f"At most {MAX_CODES}"), ([1, 2], "list of strings"), ([None], "list of strings"),
])
def test_bad_id_lists_are_refused(studio_org, studio_admin, ids, words):
    with bind_organization(studio_org), pytest.raises(ValidationFailed) as err:
        artwork_sheet_pdf(organization=studio_org, actor=studio_admin, qr_code_ids=ids, sheet=SheetOptions())
    assert words in err.value.detail["qr_code_ids"]


@pytest.mark.parametrize("data,field", [
    ({"paper": "a5"}, "paper"), ({"paper": "a4\x00"}, "paper"), ({"paper": 4}, "paper"),
    ({"per_page": 7}, "per_page"), ({"per_page": "abc"}, "per_page"), ({"per_page": 10**20}, "per_page"),
    ({"per_page": True}, "per_page"), ({"per_page": 6.0}, "per_page"), ({"per_page": [6]}, "per_page"),
    ({"name_under": "maybe"}, "name_under"), ({"cut_lines": 3}, "cut_lines"),
])
def test_bad_sheet_options_are_named(data, field):
    with pytest.raises(ValidationFailed) as err:
        sheet_parse(data)
    assert field in err.value.detail


def test_sheet_options_defaults_and_form_checkboxes():
    assert sheet_parse({}) == SheetOptions(paper="a4", per_page=6, name_under=True, cut_lines=False)
    assert sheet_parse({"paper": "LETTER", "per_page": "20", "cut_lines": "on"}, form=True) == \
        SheetOptions(paper="letter", per_page=20, name_under=False, cut_lines=True)


def test_a_zip_of_large_pngs_is_bounded_before_anything_renders(studio_org, studio_admin):
    """200 PNGs 4,096 px wide would take minutes in the request: refused up front, by name."""
    from studio.output import output_parse

    ids = [str(uuid.uuid4()) for _ in range(20)]
    with pytest.raises(ValidationFailed) as err:
        artwork_zip(organization=studio_org, actor=studio_admin, qr_code_ids=ids,
                    output=output_parse({"format": "png", "size": "4096"}))
    assert "at most 17 codes" in err.value.detail["qr_code_ids"]
