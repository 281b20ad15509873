"""Dashboard benchmark: on a seeded database (`manage.py seed_demo --scale seed`), time each
dashboard query (selector) and each dashboard endpoint (API + the HTML page, in-process through
the whole middleware stack) for the largest tenant and a median tenant, and print p50/p95 next
to a plain `SELECT count(*)` over every scan event measured in the same run.

    DATABASE_URL=postgres://.../oi_seed .venv/bin/python bench/dashboard.py [--runs 40]

Aims (issue 5): every query p95 <= 10 ms and every endpoint p95 <= 50 ms for the largest tenant
at seed scale; at most 1.5x those at 10x.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "outbound_impact.settings")
# The per-user API throttle stays on (its Redis round trip is part of a request) but with a rate
# a benchmark's thousands of requests a minute never reach.
os.environ.setdefault("THROTTLE_USER", "1000000/min")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Sum  # noqa: E402
from django.test import Client  # noqa: E402

from analytics import selectors  # noqa: E402
from analytics.filters import DashboardFilters, filters_from_params  # noqa: E402
from analytics.models import CountedScan, DimensionLabel, OrgScanRollup, QRScanRollup  # noqa: E402
from analytics.tiers import tier_for  # noqa: E402
from campaigns.models import Campaign  # noqa: E402
from core.scoping import bind_organization  # noqa: E402
from qrcodes.models import QRCode, ScanEvent  # noqa: E402
from tenants.models import Organization, User  # noqa: E402
from tenants.selectors import activity_recent  # noqa: E402

QUERY_AIM_MS, ENDPOINT_AIM_MS = 10.0, 50.0


def timed(fn: Callable[[], object], runs: int, warmup: int = 3) -> tuple[float, float]:
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t0) * 1000)
    samples.sort()
    return statistics.median(samples), samples[min(len(samples) - 1, int(round(0.95 * (len(samples) - 1))))]


def pick_tenants() -> list[tuple[str, Organization]]:
    # Cross-tenant on purpose: a benchmark chooses its tenants by size.
    orgs = list(Organization.objects.filter(status="active", total_qr_scans__gt=0).order_by("-total_qr_scans"))
    if not orgs:
        sys.exit("No tenant has scans: seed first (make seed-scale, or manage.py seed_demo --scale seed).")
    return [("largest", orgs[0]), ("median", orgs[len(orgs) // 2])]


def queries(org: Organization, runs: int) -> list[tuple[str, float, float]]:
    tier = tier_for(org)
    today = dt.datetime.now(dt.UTC).date()
    f30 = filters_from_params(organization=org, params={})
    days = tier.history_days or 365
    fyear = DashboardFilters(today - dt.timedelta(days=min(days, 365) - 1), today)
    cases: list[tuple[str, Callable[[], object]]] = [
        ("stats (seed query 1)", lambda: selectors.organization_stats(organization=org)),
        ("recent activity (query 2)", lambda: activity_recent(organization=org, limit=10)),
        ("qr performance (query 3)", lambda: selectors.qr_performance(organization=org, limit=10)),
        ("filter choices (first 101 QR codes)",
         lambda: selectors.filter_choices(organization=org, kind="qr_code", limit=selectors.PICKER_INLINE_MAX + 1)),
        ("filter search (QR codes named *fly*)",
         lambda: selectors.filter_choices(organization=org, kind="qr_code", search="fly", limit=20)),
        ("totals 30d", lambda: selectors.scans_totals(organization=org, filters=f30)),
        ("series day 30d", lambda: selectors.scans_series(organization=org, filters=f30, interval="day")),
        ("top qr codes 30d", lambda: selectors.top_qr_codes(organization=org, filters=f30)),
        (f"totals {fyear.days}d", lambda: selectors.scans_totals(organization=org, filters=fyear)),
        (f"series week {fyear.days}d", lambda: selectors.scans_series(organization=org, filters=fyear, interval="week")),
        (f"top qr codes {fyear.days}d", lambda: selectors.top_qr_codes(organization=org, filters=fyear)),
    ]
    for dim in sorted(tier.breakdowns):
        # the dashboard's limits: 200 countries/cities (table + map), 12 values otherwise
        lim = 200 if dim in ("country", "city") else 12
        cases.append((f"breakdown {dim} 30d (top {lim})",
                      lambda d=dim, n=lim: selectors.breakdown(organization=org, filters=f30, by=d, limit=n)))
        cases.append((f"breakdown {dim} {fyear.days}d (top {lim})",
                      lambda d=dim, n=lim: selectors.breakdown(organization=org, filters=fyear, by=d, limit=n)))
    cases.append(("the page's breakdowns 30d (one statement)",
                  lambda: selectors._page_breakdowns(org, f30, tier.breakdowns)))
    cases.append((f"the page's breakdowns {fyear.days}d (one statement)",
                  lambda: selectors._page_breakdowns(org, fyear, tier.breakdowns)))
    cases.append(("breakdown city 30d (all values; API max is 1000)",
                  lambda: selectors.breakdown(organization=org, filters=f30, by="city")) if "city" in tier.breakdowns
                 else ("breakdown country 30d (all values)",
                       lambda: selectors.breakdown(organization=org, filters=f30, by="country")))
    if tier.campaign_filter:
        cases.append((f"campaign comparison {fyear.days}d (page: top 15)",
                      lambda: selectors.campaign_comparison(organization=org, filters=fyear, limit=15)))
        cases.append((f"campaign comparison {fyear.days}d (API: every campaign)",
                      lambda: selectors.campaign_comparison(organization=org, filters=fyear)))
        camp = (Campaign.objects.filter(organization=org, qr_codes__isnull=False)
                .annotate(n=Sum("qr_codes__total_scans")).order_by("-n").first())
        if camp:
            fc = DashboardFilters(fyear.date_from, fyear.date_to, campaign_id=camp.pk)
            cases += [
                (f"campaign filter (busiest): totals {fyear.days}d",
                 lambda: selectors.scans_totals(organization=org, filters=fc)),
                (f"campaign filter (busiest): series {fyear.days}d",
                 lambda: selectors.scans_series(organization=org, filters=fc)),
                (f"campaign filter (busiest): country {fyear.days}d",
                 lambda: selectors.breakdown(organization=org, filters=fc, by="country", limit=200)),
            ]
    qr = QRCode.objects.filter(organization=org).order_by("-total_scans").first()
    if qr:
        fq = DashboardFilters(fyear.date_from, fyear.date_to, qr_code_id=qr.pk)
        fq30 = DashboardFilters(f30.date_from, f30.date_to, qr_code_id=qr.pk)
        cases += [
            (f"qr filter (busiest): series {fyear.days}d", lambda: selectors.scans_series(organization=org, filters=fq)),
            (f"qr filter (busiest): os {fyear.days}d",
             lambda: selectors.breakdown(organization=org, filters=fq, by="os", limit=12)),
            ("qr filter (busiest): os 30d", lambda: selectors.breakdown(organization=org, filters=fq30, by="os", limit=12)),
        ]
        cases.append((f"qr filter (busiest): all the page's breakdowns {fyear.days}d",
                      lambda: selectors._page_breakdowns(org, fq, tier.breakdowns)))
        if "city" in tier.breakdowns:
            cases.append((f"qr filter (busiest): city {fyear.days}d (top 200)",
                          lambda: selectors.breakdown(organization=org, filters=fq, by="city", limit=200)))
    return [(name, *timed(fn, runs)) for name, fn in cases]


def endpoints(org: Organization, runs: int) -> list[tuple[str, float, float, float, float]]:
    """Each endpoint cold (ANALYTICS_CACHE_SECONDS=0: every request runs its selectors) and warm
    (the Redis cache of analytics.caching on, as in production between two counted batches)."""
    user = User.objects.filter(organization=org, status="active").order_by("created_at").first()
    client = Client()
    client.force_login(user)
    tier = tier_for(org)
    today = dt.datetime.now(dt.UTC).date()
    year = f"from={today - dt.timedelta(days=min(tier.history_days or 365, 365) - 1)}&to={today}"
    urls = ["/api/analytics/stats", "/api/analytics/scans", "/api/analytics/scans?interval=week",
            "/api/analytics/top-qr-codes", f"/api/analytics/top-qr-codes?{year}"]
    urls += [f"/api/analytics/breakdown?by={d}" for d in sorted(tier.breakdowns)]
    urls.append(f"/api/analytics/breakdown?by=country&{year}")
    if tier.campaign_filter:
        urls += ["/api/analytics/campaigns", f"/api/analytics/campaigns?{year}"]
    urls += ["/dashboard", f"/dashboard?{year}"]
    with bind_organization(org):
        qr = QRCode.objects.filter(organization=org).order_by("-total_scans").first()
        camp = (Campaign.objects.filter(organization=org, qr_codes__isnull=False)
                .annotate(n=Sum("qr_codes__total_scans")).order_by("-n").first()) if tier.campaign_filter else None
    if qr:
        urls.append(f"/dashboard?{year}&qr_code_id={qr.pk}")
    if camp:
        urls.append(f"/dashboard?{year}&campaign_id={camp.pk}")
    out = []
    for url in urls:
        def get(u: str = url) -> None:
            r = client.get(u)
            assert r.status_code == 200, (u, r.status_code)
        settings.ANALYTICS_CACHE_SECONDS = 0
        cold = timed(get, runs)
        settings.ANALYTICS_CACHE_SECONDS = 30
        warm = timed(get, runs)
        out.append((f"GET {url.replace(str(qr.pk) if qr else '-', 'busiest')}", *cold, *warm))
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=40)
    args = parser.parse_args()
    gc.freeze()  # as outbound_impact/wsgi.py does in each gunicorn worker once the app is loaded
    with connection.cursor() as cur:
        cur.execute(f"SELECT count(*) FROM {ScanEvent._meta.db_table}")  # noqa: S608 - model table name
        n_events = cur.fetchone()[0]
        rollup_rows = {}
        for model in (OrgScanRollup, QRScanRollup, CountedScan, DimensionLabel):
            cur.execute(f"SELECT count(*) FROM {model._meta.db_table}")  # noqa: S608 - model table names
            rollup_rows[model._meta.db_table] = cur.fetchone()[0]

    def count_all() -> None:
        with connection.cursor() as cur:
            cur.execute(f"SELECT count(*) FROM {ScanEvent._meta.db_table}")  # noqa: S608 - model table name
            cur.fetchone()

    ref50, ref95 = timed(count_all, max(5, args.runs // 4), warmup=1)
    print(f"scan events: {n_events:,}   rollup rows: " + ", ".join(f"{t} {n:,}" for t, n in rollup_rows.items())
          + f" (all {sum(rollup_rows.values()):,})")
    print(f"reference: plain count(*) over qr_scan_events: p50 {ref50:.1f} ms  p95 {ref95:.1f} ms\n")
    worst = {"query": 0.0, "endpoint": 0.0, "warm": 0.0}
    for label, org in pick_tenants():
        with bind_organization(org):
            tier = tier_for(org)
            print(f"== {label} tenant: {org.company_name} ({org.plan_type}, {tier.label} dashboard), "
                  f"{org.total_qr_scans:,} scans, {QRCode.objects.filter(organization=org).count():,} QR codes")
            print(f"{'dashboard query':52s} {'p50 ms':>8s} {'p95 ms':>8s}")
            for name, p50, p95 in queries(org, args.runs):
                flag = "" if p95 <= QUERY_AIM_MS else "  > aim"
                print(f"{name:52s} {p50:8.2f} {p95:8.2f}{flag}")
                if label == "largest":
                    worst["query"] = max(worst["query"], p95)
        print(f"{'endpoint (cold = cache off; warm = Redis cache on)':80s} {'cold p50':>8s} {'p95':>8s} "
              f"{'warm p50':>8s} {'p95':>8s}")
        for name, p50, p95, w50, w95 in endpoints(org, args.runs):
            flag = "" if p95 <= ENDPOINT_AIM_MS else "  > aim (cold)"
            print(f"{name[:80]:80s} {p50:8.2f} {p95:8.2f} {w50:8.2f} {w95:8.2f}{flag}")
            if label == "largest":
                worst["endpoint"] = max(worst["endpoint"], p95)
                worst["warm"] = max(worst["warm"], w95)
        print()
    print(f"largest tenant: worst query p95 {worst['query']:.2f} ms (aim {QUERY_AIM_MS:.0f}), worst endpoint p95 "
          f"cold {worst['endpoint']:.2f} ms / warm {worst['warm']:.2f} ms (aim {ENDPOINT_AIM_MS:.0f}); "
          f"reference count(*) p50 {ref50:.1f} ms")


if __name__ == "__main__":
    main()
