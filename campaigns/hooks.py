"""Campaign pages show scans per day from the analytics rollups, a layer above campaigns.
Imports run one way (.importlinter), so analytics registers the source at start-up
(AnalyticsConfig.ready) and campaigns reads through it.

`daily_scans(organization)` answers a queryset of per-QR-code, per-UTC-day rows with the fields
`qr_code` (FK to QRCode), `period` (the day) and `scans` (counted non-bot scans)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db.models import QuerySet

_daily_scans: Callable[[Any], QuerySet] | None = None


def register_daily_scans(source: Callable[[Any], QuerySet]) -> None:
    global _daily_scans
    _daily_scans = source


def daily_scans(organization: Any) -> QuerySet:
    if _daily_scans is None:
        raise RuntimeError("No daily scan source registered: is the analytics app installed?")
    return _daily_scans(organization)
