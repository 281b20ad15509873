"""A short-lived Redis cache in front of the dashboard's reads.

A payload is stored per (organization, plan, what, parameters) together with the organization's
rollup version at the time it was computed. The scan workers bump that version after each batch
they count (analytics.rollups.rollups_changed, on commit), so a cached payload never outlives new
scans; other changes (a renamed QR code, a campaign reassigned) show within
ANALYTICS_CACHE_SECONDS. A version bumped while a payload is computed makes the next read
recompute it. Redis being down means every read is computed, never an error.

The selectors themselves stay uncached: bench/dashboard.py times them cold."""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Callable
from typing import Any, TypeVar

from django.conf import settings
from django.core.cache import cache

from analytics.rollups import VERSION_KEY
from tenants.models import Organization

T = TypeVar("T")


def _key(organization: Organization, name: str, params: Any) -> str:
    digest = hashlib.sha256(repr((str(organization.pk), organization.plan_type, name, params)).encode()).hexdigest()
    return f"analytics:read:{digest[:40]}"


def cached_read(organization: Organization, name: str, params: Any, compute: Callable[[], T]) -> T:
    """compute() for this organization, or its cached result if no scan was counted since.
    `params` must identify the read completely (filters, interval, limits)."""
    seconds = settings.ANALYTICS_CACHE_SECONDS
    if seconds <= 0:
        return compute()
    version_key, key = VERSION_KEY.format(organization.pk), _key(organization, name, params)
    try:
        got = cache.get_many([version_key, key])
    except Exception:  # noqa: BLE001 - Redis down: compute, never fail the page
        return compute()
    version, hit = got.get(version_key), got.get(key)
    if hit is not None and hit[0] == version:
        return hit[1]
    value = compute()
    with contextlib.suppress(Exception):
        cache.set(key, (version, value), seconds)
    return value
