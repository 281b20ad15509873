"""Smart destinations (issue 15, first part): what a printed code opens, decided on `/s/` by an
ordered list of rules, limits and UTM tags kept with the code (`QRCode.routing`, JSON).

    {"rules": [{"kind": "device", "devices": ["ios"], "url": "https://apps.apple.com/..."},
               {"kind": "schedule", "days": [0, 1, 2, 3, 4], "start": "11:00", "end": "14:00",
                "url": "https://pizza.example/lunch"},
               {"kind": "split", "variants": [{"url": "https://a.example", "weight": 50},
                                              {"url": "https://b.example", "weight": 50}]}],
     "limits": {"expires_on": "2027-03-01", "expired_url": "", "max_scans": 1000, "max_scans_url": ""},
     "utm": {"source": "qr", "medium": "print", "campaign": "spring"}}

Rule kinds: device (ios, android, desktop, other mobile), country (ISO codes, GeoIP on the
request only when a rule of this code needs it), language (Accept-Language's primary tags),
schedule (days of the week and a time-of-day window in the organization's time zone, and/or a
dated window), split (weighted A/B, sticky per scanner: the hashed IP and user agent always
pick the same variant). The first rule that matches wins; none: the code's destination.

`routing_parse` validates (400 with the field named, e.g. `rules.2.countries`); `routing_compile`
turns the JSON into plain tuples and frozensets once per lookup-cache fill (picklable, as the
LocMem cache stores it); `routing_resolve` runs per scan and returns the destination, which rule
served it and which variant. Limits are read from the counted `total_scans` (kept by the scan
workers; lag p95 < 1 s) so the last allowed scan can be passed by the scans of that lag: the
scan path stays one INSERT, never a counter UPDATE (docs/destinations.md)."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from qrcodes.routing_validation import (  # noqa: F401 - the public names of the feature, in one place
    DEVICES,
    MAX_RULES,
    RULE_KINDS,
    UTM_FIELDS,
    routing_parse,
)

ENDED = "ended"  # a limit with no fallback URL: the organization's "this code has ended" page


# ---- compiled form and evaluation -------------------------------------------------------------

@dataclass(frozen=True)
class CompiledRule:
    kind: str
    urls: tuple[str, ...]  # one, or a split's variants
    values: frozenset[str] = frozenset()  # devices, countries, languages
    days: frozenset[int] = frozenset()
    start: int | None = None  # minutes after midnight, local
    end: int | None = None
    date_from: dt.date | None = None
    date_until: dt.date | None = None
    cumulative: tuple[int, ...] = ()  # a split's weights, running total (ends at 100)


@dataclass(frozen=True)
class CompiledRouting:
    rules: tuple[CompiledRule, ...]
    needs_country: bool
    expires_on: dt.date | None = None
    expired_url: str = ""
    max_scans: int | None = None
    max_scans_url: str = ""


def with_utm(url: str, utm: Mapping[str, str]) -> str:
    """`url` with utm_* tags added (a tag the URL already has is kept as it is)."""
    if not utm or not url.startswith(("http://", "https://")):
        return url
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    present = {k for k, _ in query}
    query += [(f"utm_{k}", v) for k, v in utm.items() if f"utm_{k}" not in present]
    return urlunsplit(parts._replace(query=urlencode(query)))


def _minutes(hhmm: str) -> int:
    h, m = hhmm.split(":")
    return int(h) * 60 + int(m)


def routing_compile(routing: Mapping[str, Any] | None) -> CompiledRouting | None:
    """The stored JSON as plain, picklable data (None: no rules, limits or tags)."""
    if not routing:
        return None
    utm = routing.get("utm") or {}
    rules = []
    for r in routing.get("rules") or []:
        if r["kind"] == "split":
            total, cumulative = 0, []
            for v in r["variants"]:
                total += v["weight"]
                cumulative.append(total)
            rules.append(CompiledRule("split", tuple(with_utm(v["url"], utm) for v in r["variants"]),
                                      cumulative=tuple(cumulative)))
            continue
        rules.append(CompiledRule(
            r["kind"], (with_utm(r["url"], utm),),
            values=frozenset(r.get("devices") or r.get("countries") or r.get("languages") or ()),
            days=frozenset(r.get("days") or ()),
            start=_minutes(r["start"]) if r.get("start") else None,
            end=_minutes(r["end"]) if r.get("end") else None,
            date_from=dt.date.fromisoformat(r["from"]) if r.get("from") else None,
            date_until=dt.date.fromisoformat(r["until"]) if r.get("until") else None,
        ))
    limits = routing.get("limits") or {}
    return CompiledRouting(
        tuple(rules), any(r.kind == "country" for r in rules),
        expires_on=dt.date.fromisoformat(limits["expires_on"]) if limits.get("expires_on") else None,
        expired_url=with_utm(limits.get("expired_url") or "", utm),
        max_scans=limits.get("max_scans"), max_scans_url=with_utm(limits.get("max_scans_url") or "", utm),
    )


@dataclass(frozen=True)
class Visitor:
    """What a rule may look at, gathered lazily by the caller."""

    device: str  # ios | android | desktop | mobile | other
    languages: tuple[str, ...]  # primary tags in the order of Accept-Language
    local_now: dt.datetime  # in the organization's time zone
    sticky: int  # 0..99, the same for the same scanner
    country: str | None = None  # filled only when the routing needs it


@dataclass(frozen=True)
class Decision:
    url: str  # "" with ended=True: the "this code has ended" page
    rule: int | None = None  # index of the rule that served it (None: the default destination)
    variant: int | None = None  # a split's variant
    ended: bool = False
    limit: int | None = None  # RULE_EXPIRED or RULE_USED_UP when a limit answered


def _schedule_matches(rule: CompiledRule, now: dt.datetime) -> bool:
    today = now.date()
    if rule.date_from and today < rule.date_from:
        return False
    if rule.date_until and today > rule.date_until:
        return False
    minute = now.hour * 60 + now.minute
    if rule.start is not None:
        if rule.start < rule.end:
            inside, day = rule.start <= minute < rule.end, now.weekday()
        else:  # past midnight: 22:00-02:00 belongs to the day it started
            inside = minute >= rule.start or minute < rule.end
            day = now.weekday() if minute >= rule.start else (now.weekday() - 1) % 7
        if not inside:
            return False
        return not rule.days or day in rule.days
    return not rule.days or now.weekday() in rule.days


def routing_resolve(compiled: CompiledRouting, default: str, visitor: Visitor, *, total_scans: int) -> Decision:
    """Where this scan goes: limits first (an expired or used-up code sends to its fallback or
    the ended page), then the first matching rule, else `default`."""
    if compiled.expires_on and visitor.local_now.date() >= compiled.expires_on:
        return Decision(compiled.expired_url, ended=not compiled.expired_url, limit=RULE_EXPIRED)
    if compiled.max_scans is not None and total_scans >= compiled.max_scans:
        return Decision(compiled.max_scans_url, ended=not compiled.max_scans_url, limit=RULE_USED_UP)
    for i, rule in enumerate(compiled.rules):
        if rule.kind == "split":
            for j, bound in enumerate(rule.cumulative):
                if visitor.sticky < bound:
                    return Decision(rule.urls[j], rule=i, variant=j)
            continue
        if rule.kind == "device":
            hit = visitor.device in rule.values or (
                "mobile" in rule.values and visitor.device in ("ios", "android", "mobile"))
        elif rule.kind == "country":
            hit = visitor.country in rule.values
        elif rule.kind == "language":
            hit = any(lang in rule.values for lang in visitor.languages)
        else:
            hit = _schedule_matches(rule, visitor.local_now)
        if hit:
            return Decision(rule.urls[0], rule=i)
    return Decision(default)


RULE_EXPIRED, RULE_USED_UP = -1, -2  # ScanEvent.rule of a scan a limit answered


def decision_rule(decision: Decision | None) -> int | None:
    """ScanEvent.rule: the rule's index, a limit's code, or None (the default destination)."""
    if decision is None:
        return None
    return decision.rule if decision.limit is None else decision.limit


def sticky_bucket(ip_hash: str, user_agent: str) -> int:
    """0..99 from the scanner's hashed IP and user agent: the same scanner, the same variant."""
    digest = hashlib.blake2b(f"{ip_hash}|{user_agent}".encode("utf-8", "replace"), digest_size=8).digest()
    return int.from_bytes(digest, "big") % 100


def accept_languages(header: str) -> tuple[str, ...]:
    """Primary language tags of Accept-Language, most preferred first (q=0 dropped)."""
    weighted = []
    for n, part in enumerate(header[:512].split(",")[:20]):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        primary = tag.split("-")[0].strip().lower()
        if primary.isascii() and primary.isalpha() and len(primary) <= 8 and q > 0:
            weighted.append((-q, n, primary))
    return tuple(dict.fromkeys(p for _, _, p in sorted(weighted)))
