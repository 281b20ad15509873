"""A QR code's design: what the studio's controls set, the brand kits keep and the artwork
versions freeze. `design_parse` is the one validator (HTML form, JSON API, kit, CSV); a Design
is immutable and round-trips through `as_dict` / `design_parse` (the JSON stored in QRDesign,
BrandKit and ArtworkVersion)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import asdict, dataclass, replace
from typing import Any

from core.errors import ValidationFailed
from qrcodes.images import hex_colour

MODULE_STYLES = ("square", "rounded", "dots")
FINDER_STYLES = ("square", "rounded", "dots")
FRAMES = ("none", "below", "above")
FONTS = {"sans": "Sans", "bold": "Sans bold", "italic": "Sans italic", "bold-italic": "Sans bold italic"}
ECC_LEVELS = ("L", "M", "Q", "H")
MIN_QUIET_ZONE, MAX_QUIET_ZONE = 4, 16  # modules; the QR standard asks for 4
MIN_LOGO_SIZE, MAX_LOGO_SIZE, DEFAULT_LOGO_SIZE = 10, 50, 22  # % of the symbol's width
MAX_FRAME_TEXT = 40
_TRUE = ("1", "true", "yes", "on")


@dataclass(frozen=True)
class Design:
    fg: str = "#000000"
    bg: str | None = "#ffffff"  # None: transparent (printed on the paper's colour, taken as white)
    finder: str | None = None  # finder-pattern colour; None: the foreground's
    module_style: str = "square"
    finder_style: str = "square"
    quiet_zone: int = MIN_QUIET_ZONE
    ecc: str = "M"  # raised to H when there is a logo (Design.effective_ecc)
    logo: str | None = None  # id of one of the organization's uploads (PNG, JPEG, GIF or WebP)
    logo_size: int = DEFAULT_LOGO_SIZE
    frame: str = "none"
    frame_text: str = ""
    frame_color: str = "#000000"
    frame_text_color: str = "#ffffff"
    font: str = "bold"
    inverted: bool = False  # the customer confirms a light code on a dark background

    @property
    def effective_ecc(self) -> str:
        return "H" if self.logo else self.ecc

    @property
    def finder_color(self) -> str:
        return self.finder or self.fg

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def with_changes(self, **changes: Any) -> Design:
        return replace(self, **changes)


DEFAULT = Design()


def color_normalize(value: Any, field: str, errors: dict[str, str]) -> str | None:
    colour = hex_colour(value)
    if colour is None:
        errors[field] = "Use a hex colour like #000000 or #1d2330."
    return colour


def _choice(data: Mapping[str, Any], field: str, choices: tuple[str, ...] | dict, default: str,
            errors: dict[str, str]) -> str:
    value = data.get(field, default)
    if value in (None, ""):
        return default
    if not isinstance(value, str) or value not in choices:
        errors[field] = f"Use one of: {', '.join(choices)}."
        return default
    return value


def _int(data: Mapping[str, Any], field: str, low: int, high: int, default: int, errors: dict[str, str]) -> int:
    value = data.get(field, default)
    if value in (None, ""):
        return default
    if isinstance(value, bool):
        value = None
    try:
        number = int(value)  # a form's "22" or the API's 22
    except (TypeError, ValueError, OverflowError):  # OverflowError: JSON's 1e400 is infinity
        number = None
    if number is None or not low <= number <= high or (isinstance(value, float) and value != number):
        errors[field] = f"A whole number from {low} to {high}."
        return default
    return number


def _bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    return isinstance(value, str) and value.lower() in _TRUE


def frame_text_clean(value: Any, errors: dict[str, str]) -> str:
    if value in (None, ""):
        return ""
    if not isinstance(value, str):
        errors["frame_text"] = "Must be text."
        return ""
    text = " ".join(value.split())  # newlines and tabs become single spaces
    if any(unicodedata.category(c) in ("Cc", "Cf", "Cs", "Co", "Cn") for c in text):
        errors["frame_text"] = "Use letters, digits, spaces and punctuation only."
        return ""
    if len(text) > MAX_FRAME_TEXT:
        errors["frame_text"] = f"At most {MAX_FRAME_TEXT} characters, so it stays readable under the code."
        return ""
    return text


def design_parse(data: Mapping[str, Any], *, base: Design = DEFAULT) -> Design:
    """Validate a design from form fields or JSON. Missing fields keep `base`'s value (so a
    PATCH changes what it names). Only the shape is checked here; whether the logo is the
    organization's image is studio.services' job, whether it scans is studio.checks'. Raises
    ValidationFailed with every bad field named."""
    if not isinstance(data, Mapping):
        raise ValidationFailed({"design": "Send an object of design fields."})
    unknown = sorted(set(data) - set(DEFAULT.as_dict()) - {"csrfmiddlewaretoken", "bg_transparent"})
    errors: dict[str, str] = {}
    if unknown and not isinstance(data, _FormData):
        errors["design"] = f"Unknown field(s): {', '.join(unknown[:5])}."
    fields: dict[str, Any] = base.as_dict()
    for name in ("fg", "frame_color", "frame_text_color"):
        if name in data:
            fields[name] = color_normalize(data[name], name, errors) or fields[name]
    if _bool(data.get("bg_transparent")) or data.get("bg", "") in (None, "transparent"):
        fields["bg"] = None
    elif "bg" in data:
        fields["bg"] = color_normalize(data["bg"], "bg", errors) or fields["bg"]
    if "finder" in data:
        fields["finder"] = None if data["finder"] in (None, "") else color_normalize(data["finder"], "finder", errors)
    fields["module_style"] = _choice(data, "module_style", MODULE_STYLES, fields["module_style"], errors)
    fields["finder_style"] = _choice(data, "finder_style", FINDER_STYLES, fields["finder_style"], errors)
    fields["frame"] = _choice(data, "frame", FRAMES, fields["frame"], errors)
    fields["font"] = _choice(data, "font", FONTS, fields["font"], errors)
    ecc = data.get("ecc", fields["ecc"])
    fields["ecc"] = _choice({"ecc": ecc.upper() if isinstance(ecc, str) else ecc}, "ecc", ECC_LEVELS,
                            fields["ecc"], errors)
    fields["quiet_zone"] = _int(data, "quiet_zone", MIN_QUIET_ZONE, MAX_QUIET_ZONE, fields["quiet_zone"], errors)
    if "quiet_zone" in errors:
        errors["quiet_zone"] = (f"The quiet zone (blank margin) must be {MIN_QUIET_ZONE} to {MAX_QUIET_ZONE} "
                                "modules: scanners need at least 4.")
    fields["logo_size"] = _int(data, "logo_size", MIN_LOGO_SIZE, MAX_LOGO_SIZE, fields["logo_size"], errors)
    if "logo" in data:
        logo = data["logo"]
        if logo in (None, ""):
            fields["logo"] = None
        elif isinstance(logo, str) and re.fullmatch(r"[0-9a-fA-F-]{32,36}", logo):
            fields["logo"] = logo.lower()
        else:
            errors["logo"] = "Choose one of your uploaded images."
    if "frame_text" in data:
        fields["frame_text"] = frame_text_clean(data["frame_text"], errors)
    if "inverted" in data or isinstance(data, _FormData):
        fields["inverted"] = _bool(data.get("inverted"))
    if errors:
        raise ValidationFailed(errors)
    return Design(**fields)


class _FormData(dict):
    """A submitted HTML form: unchecked boxes are absent, extra fields (download options) are
    allowed."""


def design_from_form(query: Mapping[str, Any], *, base: Design = DEFAULT) -> Design:
    """design_parse for a QueryDict (GET preview parameters or a POSTed studio form)."""
    keys = set(DEFAULT.as_dict()) | {"bg_transparent"}
    return design_parse(_FormData({k: query.get(k) for k in keys if k in query}), base=base)


def design_load(stored: Mapping[str, Any] | None) -> Design:
    """A stored design (already validated when written); unknown keys from older versions are
    dropped, missing ones take the default."""
    if not stored:
        return DEFAULT
    known = DEFAULT.as_dict()
    return Design(**{k: v for k, v in stored.items() if k in known})
