"""studio.design: the one validator of a design (JSON, HTML form, kit), its edge cases, and the
round trip as_dict -> design_parse the stored JSON relies on."""

from __future__ import annotations

import uuid

import pytest
from django.http import QueryDict
from hypothesis import given, settings
from hypothesis import strategies as st

from core.errors import ValidationFailed
from studio.design import (
    DEFAULT,
    FINDER_STYLES,
    FONTS,
    FRAMES,
    MODULE_STYLES,
    Design,
    design_from_form,
    design_load,
    design_parse,
)


def _errors(data, **kw) -> dict:
    with pytest.raises(ValidationFailed) as caught:
        design_parse(data, **kw)
    return caught.value.detail


# ---- quiet zone, logo size --------------------------------------------------------------------

@pytest.mark.parametrize("value", [3, 0, -4, 17, "3", 4.5, True, "four", 10**40, float("nan"),
                                   float("inf"), [4], {"q": 4}])
def test_a_quiet_zone_below_4_or_out_of_range_is_refused(value):
    errors = _errors({"quiet_zone": value})
    assert errors == {"quiet_zone": "The quiet zone (blank margin) must be 4 to 16 modules: scanners need at least 4."}


@pytest.mark.parametrize(("value", "expected"), [(4, 4), (16, 16), ("8", 8), (6.0, 6), (None, 4), ("", 4)])
def test_quiet_zones_the_standard_allows(value, expected):
    assert design_parse({"quiet_zone": value}).quiet_zone == expected


@pytest.mark.parametrize("value", [9, 51, 0, -22, 22.5, "22%", "big", False, 10**30])
def test_logo_size_out_of_10_to_50_is_refused(value):
    assert _errors({"logo_size": value}) == {"logo_size": "A whole number from 10 to 50."}


@pytest.mark.parametrize("value", [10, 50, "30", 22.0])
def test_logo_sizes_in_range(value):
    assert design_parse({"logo_size": value}).logo_size == int(float(value))


# ---- frame text ----------------------------------------------------------------------------

@pytest.mark.parametrize("text", ["Scan\x00me", "Scan\x07me", "Scan\u200bme", "Scan\u202eme", "Scan\x1bme",
                                  "\ud800", "Scan\ue000me"])
def test_frame_text_with_control_or_invisible_characters_is_refused(text):
    assert _errors({"frame_text": text}) == {"frame_text": "Use letters, digits, spaces and punctuation only."}


def test_frame_text_longer_than_40_is_refused_and_40_is_kept():
    assert "At most 40 characters" in _errors({"frame_text": "x" * 41})["frame_text"]
    assert design_parse({"frame_text": "x" * 40}).frame_text == "x" * 40
    # Whitespace is collapsed before measuring: 40 letters with extra spaces still fit.
    assert design_parse({"frame_text": "  Scan\n\tfor   the menu  "}).frame_text == "Scan for the menu"


@pytest.mark.parametrize("value", [5, ["a"], {"t": "a"}, True])
def test_frame_text_must_be_text(value):
    assert _errors({"frame_text": value}) == {"frame_text": "Must be text."}


def test_frame_text_keeps_letters_of_every_language_and_punctuation():
    for text in ("Scannez le menu ✓", "Меню — сканируйте!", "メニューをスキャン", "¿Menú? 50% off & more"):
        assert design_parse({"frame_text": text}).frame_text == text


# ---- colours -------------------------------------------------------------------------------

@pytest.mark.parametrize(("given_", "stored"), [("#ABC", "#aabbcc"), ("abc", "#aabbcc"), ("#1D2A5B", "#1d2a5b"),
                                               ("000000", "#000000")])
def test_colours_are_normalised(given_, stored):
    design = design_parse({"fg": given_, "frame_color": given_, "frame_text_color": given_, "finder": given_,
                           "bg": given_})
    assert (design.fg, design.frame_color, design.frame_text_color, design.finder, design.bg) == (stored,) * 5


@pytest.mark.parametrize("value", ["red", "#12345", "#gggggg", "#0000000", "", " #000000", "#000000\x00", 0,
                                   None, ["#000000"], "rgb(0,0,0)"])
def test_bad_colours_are_refused(value):
    errors = _errors({"fg": value, "frame_color": value})
    assert errors == {"fg": "Use a hex colour like #000000 or #1d2330.",
                      "frame_color": "Use a hex colour like #000000 or #1d2330."}


def test_background_may_be_transparent_and_finder_may_follow_the_foreground():
    assert design_parse({"bg": None}).bg is None
    assert design_parse({"bg": "transparent"}).bg is None
    assert design_parse({"bg_transparent": True}).bg is None
    assert design_parse({"finder": "#ff6600"}).finder_color == "#ff6600"
    assert design_parse({"finder": ""}, base=Design(finder="#ff6600")).finder is None
    assert Design(fg="#123456").finder_color == "#123456"
    assert _errors({"finder": "orange"}) == {"finder": "Use a hex colour like #000000 or #1d2330."}


# ---- choices, logo, shape -----------------------------------------------------------------

def test_choices_and_ecc():
    design = design_parse({"module_style": "dots", "finder_style": "rounded", "frame": "above", "font": "italic",
                           "ecc": "q"})
    assert (design.module_style, design.finder_style, design.frame, design.font, design.ecc) == \
        ("dots", "rounded", "above", "italic", "Q")
    errors = _errors({"module_style": "hearts", "finder_style": 1, "frame": "left", "font": "Comic", "ecc": "X"})
    assert set(errors) == {"module_style", "finder_style", "frame", "font", "ecc"}
    assert errors["module_style"] == "Use one of: square, rounded, dots."


def test_a_logo_raises_error_correction_to_h():
    logo = str(uuid.uuid4())
    assert design_parse({"logo": logo, "ecc": "L"}).effective_ecc == "H"
    assert design_parse({"ecc": "L"}).effective_ecc == "L"
    assert design_parse({"logo": logo.upper()}).logo == logo  # ids are stored lower-case
    assert design_parse({"logo": ""}, base=Design(logo=logo)).logo is None


@pytest.mark.parametrize("value", ["../../etc/passwd", "logo.png", 12, ["x"], "0" * 31, "0" * 37])
def test_a_logo_that_is_not_an_upload_id_is_refused(value):
    assert _errors({"logo": value}) == {"logo": "Choose one of your uploaded images."}


@pytest.mark.parametrize("data", [[("fg", "#000000")], "fg=#000000", None, 5])
def test_a_design_must_be_an_object(data):
    assert _errors(data) == {"design": "Send an object of design fields."}


def test_unknown_json_fields_are_refused_but_a_form_may_carry_extra_fields():
    assert _errors({"colour": "#000000", "fg": "#000000"}) == {"design": "Unknown field(s): colour."}
    form = QueryDict("fg=%23112233&format=png&size=512&csrfmiddlewaretoken=x&colour=red")
    assert design_from_form(form).fg == "#112233"


def test_every_bad_field_is_named_at_once():
    errors = _errors({"fg": "red", "quiet_zone": 2, "logo_size": 80, "frame_text": "\x00"})
    assert set(errors) == {"fg", "quiet_zone", "logo_size", "frame_text"}


# ---- merge, forms, stored JSON -------------------------------------------------------------

def test_missing_fields_keep_the_base():
    base = Design(fg="#1d2a5b", module_style="dots", frame="below", frame_text="Menu", inverted=True)
    merged = design_parse({"finder_style": "rounded"}, base=base)
    assert merged == base.with_changes(finder_style="rounded")
    assert design_parse({"inverted": False}, base=base).inverted is False


def test_a_form_reads_checkboxes_as_html_sends_them():
    base = Design(inverted=True, bg="#ffffff")
    assert design_from_form(QueryDict("fg=%23ffffff&bg=%23000000"), base=base).inverted is False  # unchecked
    checked = design_from_form(QueryDict("fg=%23ffffff&bg=%23000000&inverted=on"), base=base)
    assert checked.inverted is True and (checked.fg, checked.bg) == ("#ffffff", "#000000")
    assert design_from_form(QueryDict("bg_transparent=on&bg=%23ffffff")).bg is None
    assert design_from_form(QueryDict("quiet_zone=6&logo_size=30")).quiet_zone == 6
    with pytest.raises(ValidationFailed) as caught:
        design_from_form(QueryDict("quiet_zone=2"))
    assert "quiet_zone" in caught.value.detail


def test_stored_json_loads_leniently():
    assert design_load(None) == DEFAULT and design_load({}) == DEFAULT
    assert design_load({"fg": "#123456", "sparkles": True}) == Design(fg="#123456")


RICH = Design(fg="#1d2a5b", bg=None, finder="#f28c28", module_style="dots", finder_style="rounded", quiet_zone=6,
              ecc="Q", logo=str(uuid.uuid4()), logo_size=30, frame="above", frame_text="Scan for the menu",
              frame_color="#1d2a5b", frame_text_color="#ffffff", font="bold-italic", inverted=False)


@pytest.mark.parametrize("design", [DEFAULT, RICH, RICH.with_changes(bg="#000000", fg="#ffffff", inverted=True)])
def test_round_trip(design):
    assert design_parse(design.as_dict()) == design
    assert design_load(design.as_dict()) == design
    assert design_parse(design.as_dict(), base=RICH) == design  # a full dict overrides every base field


_hex = st.text("0123456789abcdef", min_size=6, max_size=6).map(lambda s: f"#{s}")
designs = st.builds(
    Design, fg=_hex, bg=st.one_of(st.none(), _hex), finder=st.one_of(st.none(), _hex),
    module_style=st.sampled_from(MODULE_STYLES), finder_style=st.sampled_from(FINDER_STYLES),
    quiet_zone=st.integers(4, 16), ecc=st.sampled_from("LMQH"), logo=st.one_of(st.none(), st.uuids().map(str)),
    logo_size=st.integers(10, 50), frame=st.sampled_from(FRAMES),
    frame_text=st.text(st.characters(categories=["L", "N", "P", "Zs"], exclude_characters="\u3000\xa0\u2028"),
                       max_size=40).map(lambda t: " ".join(t.split())),
    frame_color=_hex, frame_text_color=_hex, font=st.sampled_from(list(FONTS)), inverted=st.booleans(),
)


@settings(max_examples=60, deadline=None, derandomize=True)
@given(designs)
def test_every_valid_design_round_trips(design):
    assert design_parse(design.as_dict()) == design
