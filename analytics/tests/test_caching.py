"""The Redis read cache in front of the dashboard: a repeat read is served from the cache, a
counted batch (the workers' rollup_scan_events, on commit) makes the next read fresh, another
tenant or other filters never share an entry, and Redis being down only means no cache."""

import datetime as dt

import pytest
from django.core.cache import cache

from analytics import caching
from analytics.filters import DashboardFilters
from analytics.rollups import rollup_scan_events
from analytics.tests.conftest import make_scan, t
from tenants.tests.factories import PASSWORD

pytestmark = pytest.mark.django_db
RANGE = "from=2025-01-30&to=2025-03-02"


class Counter:
    def __init__(self, value):
        self.calls, self.value = 0, value

    def __call__(self):
        self.calls += 1
        return self.value


def test_repeat_reads_hit_until_a_batch_is_counted(scenario, ent_org, django_capture_on_commit_callbacks):
    f = DashboardFilters(dt.date(2025, 1, 30), dt.date(2025, 3, 2))
    compute = Counter({"scans": 5})
    assert caching.cached_read(ent_org, "totals", f, compute) == {"scans": 5}
    assert caching.cached_read(ent_org, "totals", f, compute) == {"scans": 5}
    assert compute.calls == 1
    with django_capture_on_commit_callbacks(execute=True):
        rollup_scan_events([make_scan(ent_org, scenario["qr3"], t("2025-03-01 08:00"))])
    caching.cached_read(ent_org, "totals", f, compute)
    assert compute.calls == 2  # the worker's batch bumped the organization's version


def test_entries_are_per_tenant_and_per_parameters(scenario, ent_org, org_b):
    f = DashboardFilters(dt.date(2025, 1, 30), dt.date(2025, 3, 2))
    assert caching.cached_read(ent_org, "totals", f, lambda: "ent") == "ent"
    assert caching.cached_read(org_b, "totals", f, lambda: "b") == "b"
    other = DashboardFilters(dt.date(2025, 2, 1), dt.date(2025, 3, 2))
    assert caching.cached_read(ent_org, "totals", other, lambda: "other range") == "other range"
    assert caching.cached_read(ent_org, "totals", f, lambda: "recomputed") == "ent"


def test_disabled_cache_always_computes(scenario, ent_org, settings):
    settings.ANALYTICS_CACHE_SECONDS = 0
    compute = Counter(1)
    caching.cached_read(ent_org, "x", (), compute)
    caching.cached_read(ent_org, "x", (), compute)
    assert compute.calls == 2


def test_redis_down_still_answers(scenario, ent_org, monkeypatch):
    def down(*args, **kwargs):
        raise ConnectionError("redis down")

    monkeypatch.setattr(cache, "get_many", down)
    monkeypatch.setattr(cache, "set", down)
    assert caching.cached_read(ent_org, "x", (), lambda: 42) == 42


def test_page_and_api_show_new_scans_after_the_worker_counts_them(scenario, ent_org, ent_admin, client, api_ent,
                                                                  django_capture_on_commit_callbacks):
    client.login(username=ent_admin.email, password=PASSWORD)
    assert client.get(f"/dashboard?{RANGE}").context["totals"]["scans"] == 5
    assert api_ent.get(f"/api/analytics/scans?{RANGE}").json()["totals"]["scans"] == 5
    with django_capture_on_commit_callbacks(execute=True):
        rollup_scan_events([make_scan(ent_org, scenario["qr3"], t("2025-03-01 08:00"))])
    assert client.get(f"/dashboard?{RANGE}").context["totals"]["scans"] == 6
    assert api_ent.get(f"/api/analytics/scans?{RANGE}").json()["totals"]["scans"] == 6
    top = api_ent.get(f"/api/analytics/top-qr-codes?{RANGE}").json()["results"]
    assert {q["name"]: q["scans"] for q in top}["Hotel Lobby"] == 2
