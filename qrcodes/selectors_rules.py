"""Reads for the rules page (issue 15): which rule and which A/B variant served a code's scans.

Counted straight from ScanEvent (`organization` + `qr_code` lead the scan_org_qr_time index),
grouped by the `rule` / `variant` columns the scan INSERT sets, so a scan shows here the moment
it is stored, before any worker has classified it. Known bots are left out (a scan still
pending may turn out to be one); "unique" is the number of distinct hashed IPs.

Rows are labelled from the code's current rules: `rule` is an index into the list as it was
when the scan happened, so after a reorder old scans stay with their position (the page says so)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count

from core.enums import Classification
from qrcodes.models import QRCode, ScanEvent
from qrcodes.routing import RULE_EXPIRED, RULE_USED_UP
from tenants.models import Organization

KIND_NAMES = {"device": "Device", "country": "Country", "language": "Language", "schedule": "Schedule",
              "split": "A/B split"}
DEVICE_NAMES = {"ios": "iPhone & iPad", "android": "Android", "desktop": "Desktop", "mobile": "Any phone or tablet"}
DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def variant_letter(index: int) -> str:
    return chr(ord("A") + index) if 0 <= index < 26 else str(index + 1)


def rule_summary(rule: Mapping[str, Any]) -> str:
    """A rule in a few words: its label, else its kind and what it matches ("Device: Android")."""
    if rule.get("label"):
        return str(rule["label"])
    kind = rule.get("kind", "")
    name = KIND_NAMES.get(kind, kind or "Rule")
    if kind == "device":
        return f"{name}: {', '.join(DEVICE_NAMES.get(d, d) for d in rule.get('devices') or [])}"
    if kind == "country":
        return f"{name}: {', '.join(rule.get('countries') or [])}"
    if kind == "language":
        return f"{name}: {', '.join(rule.get('languages') or [])}"
    if kind == "schedule":
        parts = []
        if rule.get("days"):
            parts.append(", ".join(DAY_NAMES[d] for d in rule["days"] if 0 <= d <= 6))
        if rule.get("start"):
            parts.append(f"{rule['start']}–{rule.get('end', '')}")
        if rule.get("from") or rule.get("until"):
            parts.append(f"{rule.get('from') or '…'} to {rule.get('until') or '…'}")
        return f"{name}: {'; '.join(parts)}"
    return name


@dataclass(frozen=True)
class VariantRow:
    letter: str
    url: str
    weight: int | None
    scans: int
    unique: int
    share: float  # percent of the split's scans


@dataclass(frozen=True)
class RuleRow:
    rule: int | None  # index; None the default destination; RULE_EXPIRED / RULE_USED_UP a limit
    label: str
    url: str
    scans: int
    unique: int
    share: float  # percent of all the code's scans
    variants: list[VariantRow] = field(default_factory=list)


@dataclass(frozen=True)
class RuleTable:
    rows: list[RuleRow]
    total: int
    unique: int


def _share(part: int, whole: int) -> float:
    return round(100 * part / whole, 1) if whole else 0.0


def routing_rule_stats(*, organization: Organization, qr_code: QRCode) -> RuleTable:
    """Scans, unique scans and share per rule and per A/B variant of one of `organization`'s
    codes (any member may read it). Every current rule and variant has a row (0 when unscanned);
    rows for positions the current rules no longer have are kept, as "Rule N (changed since)"."""
    events = (ScanEvent.objects.filter(organization=organization, qr_code=qr_code)
              .exclude(classification=Classification.BOT))
    counts: dict[tuple[int | None, int | None], tuple[int, int]] = {
        (row["rule"], row["variant"]): (row["scans"], row["unique"])
        for row in events.values("rule", "variant").annotate(scans=Count("id"), unique=Count("ip_hash", distinct=True))
    }
    by_rule: dict[int | None, tuple[int, int]] = {
        (row["rule"]): (row["scans"], row["unique"])
        for row in events.values("rule").annotate(scans=Count("id"), unique=Count("ip_hash", distinct=True))
    }
    totals = events.aggregate(scans=Count("id"), unique=Count("ip_hash", distinct=True))
    total, unique = totals["scans"], totals["unique"]

    rules = (qr_code.routing or {}).get("rules") or []
    limits = (qr_code.routing or {}).get("limits") or {}
    rows: list[RuleRow] = []
    for i, rule in enumerate(rules):
        scans, uniq = by_rule.get(i, (0, 0))
        variants = []
        if rule.get("kind") == "split":
            for j, v in enumerate(rule.get("variants") or []):
                v_scans, v_unique = counts.get((i, j), (0, 0))
                variants.append(VariantRow(variant_letter(j), v.get("url", ""), v.get("weight"), v_scans, v_unique,
                                           _share(v_scans, scans)))
        rows.append(RuleRow(i, f"{i + 1}. {rule_summary(rule)}", rule.get("url", ""), scans, uniq,
                            _share(scans, total), variants))
    for index in sorted(k for k in by_rule if k is not None and k >= len(rules)):
        scans, uniq = by_rule[index]
        rows.append(RuleRow(index, f"Rule {index + 1} (changed since)", "", scans, uniq, _share(scans, total)))
    scans, uniq = by_rule.get(None, (0, 0))
    rows.append(RuleRow(None, "No rule matched: the default destination", qr_code.qr_url, scans, uniq,
                        _share(scans, total)))
    for code, label, url_key in ((RULE_EXPIRED, "Expired", "expired_url"), (RULE_USED_UP, "Used up", "max_scans_url")):
        if code in by_rule or (limits.get("expires_on") if code == RULE_EXPIRED else limits.get("max_scans")):
            scans, uniq = by_rule.get(code, (0, 0))
            rows.append(RuleRow(code, f"Limit: {label.lower()}", limits.get(url_key) or "the “ended” page",
                                scans, uniq, _share(scans, total)))
    return RuleTable(rows, total, unique)
