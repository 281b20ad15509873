"""Organization time zones: IANA names from the standard library's tz database (zoneinfo).

Sign-up fills the zone from the browser (Intl.DateTimeFormat().resolvedOptions().timeZone);
an Admin may change it. Every datetime a page renders for a tenant is shown in it (the
middleware activates it per request), and the analytics read days and hours in it."""

from __future__ import annotations

import zoneinfo
from functools import lru_cache

DEFAULT = "UTC"


@lru_cache(maxsize=1)
def available() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def is_valid(name: object) -> bool:
    return isinstance(name, str) and name in available()


def choices() -> list[tuple[str, str]]:
    """(value, label) pairs for a <select>, UTC first then alphabetical."""
    names = sorted(n for n in available() if "/" in n and not n.startswith(("Etc/", "SystemV/")))
    return [(DEFAULT, DEFAULT)] + [(n, n.replace("_", " ")) for n in names]


@lru_cache(maxsize=512)
def zone(name: str) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(name if is_valid(name) else DEFAULT)
