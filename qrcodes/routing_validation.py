"""Validation of a code's routing JSON (qrcodes.routing has the shape and the evaluation):
`routing_parse` is the one validator of rules, limits and UTM tags, for the API, the rules page
and the scheduled versions; ValidationFailed names every bad field (`rules.2.countries`)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import URLValidator

from core.errors import ValidationFailed

RULE_KINDS = ("device", "country", "language", "schedule", "split")
DEVICES = ("ios", "android", "desktop", "mobile")  # mobile: any other phone or tablet
MAX_RULES = 20
MAX_VARIANTS = 10
UTM_FIELDS = ("source", "medium", "campaign", "term", "content")
_COUNTRY = re.compile(r"^[A-Z]{2}$")
_LANGUAGE = re.compile(r"^[a-z]{2,3}$")
_TIME = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
_url_validator = URLValidator(schemes=["http", "https"])


def _url(value: Any, field: str, errors: dict[str, str], *, required: bool = True) -> str:
    if value in (None, "") and not required:
        return ""
    if not isinstance(value, str) or not value.strip():
        errors[field] = "Enter a full http:// or https:// URL."
        return ""
    url = value.strip()
    try:
        if len(url) > 2048:
            raise DjangoValidationError("too long")
        _url_validator(url)
    except DjangoValidationError:
        errors[field] = "Enter a full http:// or https:// URL (at most 2,048 characters)."
        return ""
    if "@" in url.split("/", 3)[2]:
        errors[field] = "A URL with a user name or password in it is not allowed."
        return ""
    return url


def _choices(value: Any, field: str, allowed: tuple[str, ...] | re.Pattern, errors: dict[str, str],
             *, upper: bool = False, limit: int = 300) -> list[str]:
    if not isinstance(value, list) or not value or len(value) > limit:
        errors[field] = f"Give a list of 1 to {limit} values."
        return []
    out = []
    for item in value:
        text = item.strip() if isinstance(item, str) else None
        text = (text.upper() if upper else text.lower()) if text else text
        ok = text and (allowed.match(text) if isinstance(allowed, re.Pattern) else text in allowed)
        if not ok:
            errors[field] = f"Unknown value {str(item)[:20]!r}."
            return []
        if text not in out:
            out.append(text)
    return out


def _date(value: Any, field: str, errors: dict[str, str]) -> str | None:
    if value in (None, ""):
        return None
    try:
        day = dt.date.fromisoformat(value) if isinstance(value, str) and len(value) == 10 else None
    except ValueError:
        day = None
    if day is None or not 2000 <= day.year <= 2200:
        errors[field] = "A date like 2027-02-14 (years 2000 to 2200)."
        return None
    return day.isoformat()


def _rule(raw: Any, i: int, errors: dict[str, str], countries: frozenset[str]) -> dict[str, Any]:
    at = f"rules.{i}"
    if not isinstance(raw, Mapping) or raw.get("kind") not in RULE_KINDS:
        errors[f"{at}.kind"] = f"Use one of: {', '.join(RULE_KINDS)}."
        return {}
    kind = raw["kind"]
    known = {"kind", "url", "devices", "countries", "languages", "days", "start", "end", "from", "until", "variants",
             "label"}
    unknown = sorted(set(raw) - known)
    if unknown:
        errors[at] = f"Unknown field(s): {', '.join(map(str, unknown[:5]))}."
    rule: dict[str, Any] = {"kind": kind}
    label = raw.get("label", "")
    if not isinstance(label, str) or len(label) > 60 or any(ord(c) < 32 for c in label):
        errors[f"{at}.label"] = "At most 60 characters of text."
    elif label:
        rule["label"] = label.strip()
    if kind == "split":
        variants = raw.get("variants")
        if not isinstance(variants, list) or not 2 <= len(variants) <= MAX_VARIANTS:
            errors[f"{at}.variants"] = f"An A/B split needs 2 to {MAX_VARIANTS} variants."
            return rule
        out = []
        for j, v in enumerate(variants):
            if not isinstance(v, Mapping):
                errors[f"{at}.variants.{j}"] = "Each variant has a url and a weight."
                continue
            weight = v.get("weight")
            if isinstance(weight, bool) or not isinstance(weight, int) or not 1 <= weight <= 100:
                errors[f"{at}.variants.{j}.weight"] = "A whole number from 1 to 100."
            out.append({"url": _url(v.get("url"), f"{at}.variants.{j}.url", errors), "weight": weight})
        if not any(k.startswith(f"{at}.variants") for k in errors) and sum(v["weight"] for v in out) != 100:
            errors[f"{at}.variants"] = f"The weights add up to {sum(v['weight'] for v in out)}; they must add up to 100."
        rule["variants"] = out
        return rule
    rule["url"] = _url(raw.get("url"), f"{at}.url", errors)
    if kind == "device":
        rule["devices"] = _choices(raw.get("devices"), f"{at}.devices", DEVICES, errors)
    elif kind == "country":
        codes = _choices(raw.get("countries"), f"{at}.countries", _COUNTRY, errors, upper=True)
        unknown_codes = [c for c in codes if countries and c not in countries]
        if unknown_codes:
            errors[f"{at}.countries"] = f"Unknown country code {unknown_codes[0]!r} (use ISO 3166 codes like US, FR)."
        rule["countries"] = codes
    elif kind == "language":
        rule["languages"] = _choices(raw.get("languages"), f"{at}.languages", _LANGUAGE, errors)
    else:  # schedule
        days = raw.get("days")
        if days is not None:
            if (not isinstance(days, list) or not days or
                    any(isinstance(d, bool) or not isinstance(d, int) or not 0 <= d <= 6 for d in days)):
                errors[f"{at}.days"] = "Days of the week as numbers, 0 = Monday to 6 = Sunday."
            else:
                rule["days"] = sorted(set(days))
        for name in ("start", "end"):
            value = raw.get(name)
            if value in (None, ""):
                continue
            if not isinstance(value, str) or not _TIME.match(value):
                errors[f"{at}.{name}"] = "A time like 11:30 (24-hour clock)."
            else:
                rule[name] = value
        if ("start" in rule) != ("end" in rule):
            errors[f"{at}.end"] = "Give both a start and an end time."
        elif "start" in rule and rule["start"] == rule["end"]:
            errors[f"{at}.end"] = "The end time must differ from the start (a window past midnight is allowed)."
        start_day, end_day = _date(raw.get("from"), f"{at}.from", errors), _date(raw.get("until"), f"{at}.until", errors)
        if start_day and end_day and end_day < start_day:
            errors[f"{at}.until"] = "The end date is before the start date."
        rule.update({k: v for k, v in (("from", start_day), ("until", end_day)) if v})
        if not any(k in rule for k in ("days", "start", "from", "until")):
            errors[f"{at}.days"] = "A schedule needs days, a time window or dates."
    return rule


def routing_parse(data: Any, *, countries: frozenset[str] = frozenset()) -> dict[str, Any]:
    """Validate routing JSON (rules, limits, utm); ValidationFailed names every bad field.
    `countries`: the known ISO codes (empty: any two letters)."""
    if data in (None, ""):
        return {}
    if not isinstance(data, Mapping):
        raise ValidationFailed({"routing": "Send an object with rules, limits and utm."})
    errors: dict[str, str] = {}
    unknown = sorted(set(data) - {"rules", "limits", "utm"})
    if unknown:
        errors["routing"] = f"Unknown field(s): {', '.join(map(str, unknown[:5]))}."
    out: dict[str, Any] = {}
    rules = data.get("rules") or []
    if not isinstance(rules, list) or len(rules) > MAX_RULES:
        errors["rules"] = f"A list of at most {MAX_RULES} rules."
    else:
        parsed = [_rule(r, i, errors, countries) for i, r in enumerate(rules)]
        if parsed:
            out["rules"] = parsed
    limits = data.get("limits") or {}
    if not isinstance(limits, Mapping) or set(limits) - {"expires_on", "expired_url", "max_scans", "max_scans_url"}:
        errors["limits"] = "Use expires_on, expired_url, max_scans and max_scans_url."
    else:
        lim: dict[str, Any] = {}
        if limits.get("expires_on") not in (None, ""):
            lim["expires_on"] = _date(limits.get("expires_on"), "limits.expires_on", errors)
            lim["expired_url"] = _url(limits.get("expired_url"), "limits.expired_url", errors, required=False)
        max_scans = limits.get("max_scans")
        if max_scans not in (None, ""):
            if isinstance(max_scans, bool) or not isinstance(max_scans, int) or not 1 <= max_scans <= 10**9:
                errors["limits.max_scans"] = "A whole number from 1 to 1,000,000,000."
            else:
                lim["max_scans"] = max_scans
                lim["max_scans_url"] = _url(limits.get("max_scans_url"), "limits.max_scans_url", errors,
                                            required=False)
        if lim:
            out["limits"] = lim
    utm = data.get("utm") or {}
    if not isinstance(utm, Mapping) or set(utm) - set(UTM_FIELDS):
        errors["utm"] = f"Use {', '.join(UTM_FIELDS)}."
    else:
        tags = {}
        for name in UTM_FIELDS:
            value = utm.get(name)
            if value in (None, ""):
                continue
            if not isinstance(value, str) or len(value) > 100 or any(ord(c) < 32 for c in value):
                errors[f"utm.{name}"] = "At most 100 characters of text."
            else:
                tags[name] = value.strip()
        if tags:
            out["utm"] = tags
    if errors:
        raise ValidationFailed(errors)
    return out


