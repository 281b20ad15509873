"""The console's reports: what each one shows (columns, summary, charts) over the selectors.

A report is data only; oi_admin.views renders every report with one template (table + charts
+ CSV export), so adding a report is adding an entry to REPORTS."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import pycountry
from django.db.models import QuerySet
from django.urls import reverse

from oi_admin import selectors
from oi_admin.monetization import DAYPARTS, monetization_k, monetization_rows
from oi_admin.selectors import Window
from tenants.plans import PLANS

PALETTE = ["#2563eb", "#16a34a", "#f59e0b", "#dc2626", "#7c3aed", "#0891b2", "#db2777", "#65a30d"]


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    kind: str = "text"  # text, plan, int, money, percent, float, gb, date, datetime
    # Shown as "value / limit" in the table (one narrow column); the CSV has both columns.
    limit_key: str | None = None
    # Shown small under the value (the company's email under its name); the CSV has its column.
    detail_key: str | None = None
    # The cell links to the row's first link (the customer's admin page).
    link: bool = False

    @property
    def keys(self) -> tuple[str, ...]:
        """The row keys this column shows, each one a CSV column."""
        return tuple(k for k in (self.key, self.detail_key, self.limit_key) if k)

    @property
    def numeric(self) -> bool:
        return self.kind in ("int", "money", "percent", "float", "gb")


@dataclass
class ReportResult:
    rows: list[dict[str, Any]] | QuerySet
    summary: list[tuple[str, Any]] = field(default_factory=list)
    charts: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    # Why the report has no rows, when it has none and the reason depends on the data (k).
    empty_reason: str | None = None


@dataclass(frozen=True)
class ReportParams:
    window: Window | None
    now: dt.datetime


@dataclass(frozen=True)
class Report:
    slug: str
    title: str
    description: str
    columns: tuple[Column, ...]
    build: Callable[[ReportParams], ReportResult]
    source: str
    windowed: bool = False
    default_days: int = 30
    paginate: bool = False
    # Paginated reports chart the rows of the page shown.
    page_charts: Callable[[list[dict[str, Any]]], list[dict[str, Any]]] | None = None
    # Why a report can be empty, in the report's own terms (shown instead of a bare "no rows").
    empty_reason: str = ""
    # Actions of one row: (label, URL) pairs, the first one being where the row "opens".
    row_links: Callable[[dict[str, Any]], list[tuple[str, str]]] | None = None

    @property
    def csv_header(self) -> list[str]:
        """The CSV columns: each column's keys (value, detail, limit), in table order."""
        return [k for c in self.columns for k in c.keys]


def bar_chart(chart_id: str, title: str, labels: list[str], series: dict[str, list[Any]], *,
              horizontal: bool = False, stacked: bool = False) -> dict[str, Any]:
    """A Chart.js bar chart config (rendered by the vendored Chart.js in the template)."""
    datasets = [
        {"label": name, "data": values, "backgroundColor": PALETTE[i % len(PALETTE)]}
        for i, (name, values) in enumerate(series.items())
    ]
    return {
        "id": chart_id,
        "title": title,
        "type": "chart",
        "config": {
            "type": "bar",
            "data": {"labels": labels, "datasets": datasets},
            "options": {
                "indexAxis": "y" if horizontal else "x",
                "responsive": True,
                "maintainAspectRatio": False,
                "animation": False,
                "scales": {"x": {"stacked": stacked}, "y": {"stacked": stacked}},
                "plugins": {"legend": {"display": len(datasets) > 1}},
            },
        },
    }


def _plan_label(key: str) -> str:
    plan = PLANS.get(key)
    return plan.label if plan else key


def _customer_links(row: dict[str, Any]) -> list[tuple[str, str]]:
    """Open the customer (its Organization admin page) and its users."""
    org_id = row.get("id")
    if org_id is None:
        return []
    users = reverse("admin:tenants_user_changelist") + "?" + urlencode({"organization__id__exact": org_id})
    return [("Open customer", reverse("admin:tenants_organization_change", args=[org_id])), ("Users", users)]


def _plan_links(row: dict[str, Any]) -> list[tuple[str, str]]:
    query = urlencode({"plan_type__exact": row["plan_type"], "status__exact": "active"})
    return [("Open customers", reverse("admin:tenants_organization_changelist") + "?" + query)]


def _iso_numeric(alpha2: str) -> str | None:
    country = pycountry.countries.get(alpha_2=alpha2.upper()) if alpha2 else None
    return country.numeric if country else None


def _pending_notes(window: Window) -> list[str]:
    """Says so when some days of the window wait for their cells (a worker builds them)."""
    pending = selectors.scan_cells_pending(window)
    if not pending:
        return []
    return [f"{len(pending)} day(s) of this window ({pending[0]} to {pending[-1]}) are being rebuilt by a worker; "
            "until then they show their previous figures, or none. Reload in a minute."]


# --- the reports -----------------------------------------------------------------------------

def _customers(params: ReportParams) -> ReportResult:
    return ReportResult(rows=selectors.customers_overview())


def _customers_charts(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    top = sorted(rows, key=lambda r: r["total_qr_scans"], reverse=True)[:15]
    return [bar_chart("chart-customers", "QR scans per customer (this page, top 15)",
                      [r["company_name"] for r in top], {"QR scans": [r["total_qr_scans"] for r in top]},
                      horizontal=True)]


def _geo(params: ReportParams) -> ReportResult:
    assert params.window is not None
    cities = selectors.geo_cities(params.window)
    countries = selectors.geo_countries(params.window)
    by_numeric: dict[str, int] = defaultdict(int)
    for c in countries:
        numeric = _iso_numeric(c["country_code"])
        if numeric:
            by_numeric[numeric] += c["scan_count"]
    points = [
        {"latitude": r["avg_latitude"], "longitude": r["avg_longitude"], "value": r["scan_count"],
         "description": ", ".join(p for p in (r["city"], r["country"]) if p)}
        for r in cities
        if r["avg_latitude"] is not None and r["avg_longitude"] is not None
    ]
    top = countries[:15]
    return ReportResult(
        rows=cities,
        summary=[("Scans in the window", sum(c["scan_count"] for c in countries)),
                 ("Countries", len([c for c in countries if c["country_code"]])),
                 ("Cities shown", len(cities))],
        charts=[
            {"id": "chart-geo-countries", "type": "choropleth", "title": "Scans by country",
             "values": dict(by_numeric)},
            {"id": "chart-geo-cities", "type": "bubbleMap", "title": "Scans by city (top 100)", "points": points},
            bar_chart("chart-geo-top", "Top countries", [c["country"] or c["country_code"] or "Unknown" for c in top],
                      {"Scans": [c["scan_count"] for c in top]}, horizontal=True),
        ],
        notes=_pending_notes(params.window),
    )


def _revenue(params: ReportParams) -> ReportResult:
    rows = selectors.revenue_by_plan()
    totals = selectors.revenue_totals(rows)
    labels = [_plan_label(r["plan_type"]) for r in rows]
    return ReportResult(
        rows=rows,
        summary=[("Total MRR", f"${totals['total_mrr']:,.2f}/month"),
                 ("Total customers", totals["total_customers"]),
                 ("Total QR scans (all time)", totals["total_qr_scans"])],
        charts=[
            bar_chart("chart-revenue-mrr", "MRR by plan", labels, {"MRR ($)": [float(r["total_mrr"]) for r in rows]}),
            bar_chart("chart-revenue-customers", "Customers by plan", labels,
                      {"Customers": [r["customer_count"] for r in rows]}),
        ],
    )


def _upgrades(params: ReportParams) -> ReportResult:
    rows = selectors.upgrade_candidates(now=params.now)
    top = rows[:20]
    return ReportResult(
        rows=rows,
        summary=[("Upgrade candidates", len(rows))],
        charts=[bar_chart(
            "chart-upgrades", "Share of plan limits used (%)", [r["company_name"] for r in top],
            {"Users %": [float(r["user_limit_percent"] or 0) for r in top],
             "QR codes %": [float(r["qr_limit_percent"] or 0) for r in top]},
            horizontal=True,
        )],
    )


def _churn(params: ReportParams) -> ReportResult:
    rows = selectors.churn_risk(now=params.now)
    bands = ["HIGH", "MEDIUM", "LOW"]
    mrr = {b: sum(float(r["monthly_price"]) for r in rows if r["churn_risk"] == b) for b in bands}
    count = {b: sum(1 for r in rows if r["churn_risk"] == b) for b in bands}
    return ReportResult(
        rows=rows,
        summary=[("Customers at risk", len(rows)),
                 ("MRR at risk", f"${sum(mrr.values()):,.2f}/month"),
                 ("HIGH (30+ days)", count["HIGH"]), ("MEDIUM (14-29 days)", count["MEDIUM"]),
                 ("LOW (7-13 days)", count["LOW"])],
        charts=[bar_chart("chart-churn", "MRR at risk by band ($/month)", bands,
                          {"MRR at risk": [mrr[b] for b in bands]})],
    )


def _best(params: ReportParams) -> ReportResult:
    rows = selectors.best_performing()
    labels = [r["company_name"] for r in rows]
    return ReportResult(
        rows=rows,
        summary=[("Customers", len(rows))],
        charts=[
            bar_chart("chart-best-scans", "QR scans", labels, {"QR scans": [r["total_qr_scans"] for r in rows]},
                      horizontal=True),
            bar_chart("chart-best-reach", "Countries reached and scans per QR code", labels,
                      {"Countries": [r["countries_reached"] for r in rows],
                       "Scans per QR": [float(r["avg_scans_per_qr"]) for r in rows]}, horizontal=True),
        ],
    )


def _monetization(params: ReportParams) -> ReportResult:
    assert params.window is not None
    k = monetization_k()
    rows = monetization_rows(params.window, k=k)
    per_day: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for r in rows:
        for part in DAYPARTS:
            per_day[r["day"].isoformat()][part] += r[f"{part}_scans"] or 0
    days = sorted(per_day)
    return ReportResult(
        rows=rows,
        summary=[("k (distinct scanners per published group)", k), ("Published rows", len(rows)),
                 ("Rows with the daypart split", sum(1 for r in rows if r["morning_scans"] is not None))],
        charts=[bar_chart("chart-monetization", "Published daypart scans per day", days,
                          {str(part.label): [per_day[d][part] for d in days] for part in DAYPARTS}, stacked=True)],
        empty_reason=(f"No group (day, place, device) in this window reaches k = {k} distinct scanners of "
                      "organizations that share data, so nothing can be shown without identifying someone. "
                      "Days built before the latest opt-out change are left out until a worker rebuilds them."),
        notes=[
            *_pending_notes(params.window),
            "Human and duplicate scans of organizations that share data; no organization or QR-code identity.",
            f"A row is published when at least {k} distinct scanners (hashed IP + user agent) are in it; "
            "its daypart split only when every non-empty daypart has at least k too.",
            "Dayparts are UTC hours: night [0,6), morning [6,12), afternoon [12,18), evening [18,24). "
            "No totals are exported, so no suppressed group can be derived by subtraction.",
        ],
    )


REPORTS: tuple[Report, ...] = (
    Report(
        "customers", "All customers overview",
        "Every customer with users, QR codes, scans, storage, campaigns and last activity (seed section 7).",
        (Column("company_name", "Company", detail_key="company_email", link=True), Column("plan_type", "Plan", "plan"),
         Column("status", "Status"), Column("monthly_price", "Price", "money"),
         Column("created_at", "Since", "date"),
         Column("total_users", "Users", "int", limit_key="max_contributors"),
         Column("active_qr_codes", "QR codes", "int", limit_key="max_qr_codes"),
         Column("total_qr_scans", "Scans", "int"),
         Column("storage_used_gb", "Storage", "gb", limit_key="storage_limit_gb"),
         Column("total_campaigns", "Campaigns", "int"), Column("last_activity_at", "Last activity", "date")),
        _customers, source="organizations + per-customer counts over users, qr_codes, uploads, campaigns, activity_log",
        paginate=True, page_charts=_customers_charts, row_links=_customer_links,
        empty_reason="No organization has signed up yet.",
    ),
    Report(
        "geo", "Geographic heat map",
        "Where QR codes are scanned: non-bot scans by country and city over the chosen window.",
        (Column("country", "Country"), Column("country_code", "Code"), Column("state", "State"),
         Column("city", "City"), Column("scan_count", "Scans", "int"), Column("unique_scans", "Unique scans", "int"),
         Column("mobile_scans", "Mobile", "int"), Column("desktop_scans", "Desktop", "int"),
         Column("tablet_scans", "Tablet", "int"), Column("avg_latitude", "Latitude", "float"),
         Column("avg_longitude", "Longitude", "float")),
        _geo, source="oi_admin_scan_cell (daily platform-wide cells)", windowed=True,
        empty_reason="No non-bot scan in this window, or its days' cells are still being built by a worker "
                     "(they show on a later view).",
    ),
    Report(
        "revenue", "Revenue",
        "MRR by plan for active customers, with their scans and uploads.",
        (Column("plan_type", "Plan", "plan"), Column("customer_count", "Customers", "int"),
         Column("total_mrr", "MRR", "money"), Column("avg_price", "Average price", "money"),
         Column("total_scans_all_customers", "QR scans", "int"),
         Column("total_uploads_all_customers", "Uploads", "int")),
        _revenue, source="organizations (plan, price and counters)", row_links=_plan_links,
        empty_reason="No active customer, so no recurring revenue (suspended and cancelled ones do not count).",
    ),
    Report(
        "upgrades", "Upgrade candidates",
        "Small business customers at 60%+ of a plan limit or with more than 50 activities in 30 days.",
        (Column("company_name", "Company", detail_key="company_email", link=True),
         Column("created_at", "Since", "date"),
         Column("current_users", "Users", "int", limit_key="max_contributors"),
         Column("user_limit_percent", "Users %", "percent"),
         Column("current_qr_codes", "QR codes", "int", limit_key="max_qr_codes"),
         Column("qr_limit_percent", "QR %", "percent"), Column("total_qr_scans", "Scans", "int"),
         Column("activities_last_30_days", "Activities (30 days)", "int")),
        _upgrades, source="organizations + users, qr_codes, activity_log (last 30 days)", row_links=_customer_links,
        empty_reason="No active small-business customer uses 60% or more of its user or QR-code limit, and none "
                     "has more than 50 activities in the last 30 days.",
    ),
    Report(
        "churn", "Churn risk",
        "Paying customers with no activity for 7+ days: HIGH 30+, MEDIUM 14-29, LOW 7-13 days.",
        (Column("company_name", "Company", link=True), Column("plan_type", "Plan", "plan"),
         Column("monthly_price", "Price", "money"),
         Column("created_at", "Since", "date"), Column("last_activity", "Last activity", "datetime"),
         Column("days_inactive", "Days inactive", "int"), Column("total_activities", "Activities", "int"),
         Column("total_qr_scans", "Scans", "int"), Column("churn_risk", "Risk")),
        _churn, source="organizations + activity_log (latest per customer)", row_links=_customer_links,
        empty_reason="Every active paying customer (Medium Business, Enterprise) has had activity in the last "
                     "7 days, so none is at risk.",
    ),
    Report(
        "best", "Best performing customers",
        "More than 1,000 scans and at least 3 campaigns: case-study candidates.",
        (Column("company_name", "Company", link=True), Column("plan_type", "Plan", "plan"),
         Column("created_at", "Since", "date"),
         Column("team_size", "Team", "int"), Column("qr_codes", "QR codes", "int"),
         Column("total_qr_scans", "Scans", "int"), Column("campaigns", "Campaigns", "int"),
         Column("avg_scans_per_qr", "Scans per QR", "float"), Column("total_activities", "Activities", "int"),
         Column("countries_reached", "Countries", "int")),
        _best, source="organizations + users, qr_codes, campaigns, activity_log, analytics_org_rollup (countries)",
        row_links=_customer_links,
        empty_reason="No active customer has both more than 1,000 scans and at least 3 campaigns yet.",
    ),
    Report(
        "monetization", "Aggregate data export",
        "k-anonymous daily scan counts by location and device with a daypart split, for sale as aggregates.",
        (Column("day", "Date", "date"), Column("country", "Country"), Column("country_code", "Code"),
         Column("state", "State"), Column("city", "City"), Column("device_type", "Device"),
         Column("scanners", "Distinct scanners", "int"), Column("total_scans", "Scans", "int"),
         Column("night_scans", "Night 0-6", "int"), Column("morning_scans", "Morning 6-12", "int"),
         Column("afternoon_scans", "Afternoon 12-18", "int"), Column("evening_scans", "Evening 18-24", "int")),
        _monetization, source="oi_admin_scan_cell (shared scans, distinct scanners)", windowed=True, paginate=True,
        empty_reason="No group reaches k distinct scanners yet, so nothing can be shown without identifying someone.",
    ),
)
REPORTS_BY_SLUG = {r.slug: r for r in REPORTS}
