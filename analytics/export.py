"""CSV exports, streamed: the organization's scan events with their enrichment fields, and the
dashboard's aggregates. Both follow the dashboard filters and the plan (paid plans only).
defusedcsv escapes cells that a spreadsheet would run as formulas (user agents and referrers
come from strangers)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from defusedcsv import csv
from django.http import StreamingHttpResponse

from analytics import selectors
from analytics.filters import DashboardFilters
from analytics.tiers import require_export, tier_for
from qrcodes.models import QRCode, ScanEvent
from tenants.models import Organization

CHUNK = 2000
SCAN_COLUMNS = [
    ("scanned_at", "scanned_at"), ("qr_code_id", "qr_code_id"), ("qr_code_name", "qr_code__name"),
    ("classification", "classification"), ("ip_address", "ip_address"), ("city", "city"), ("state", "state"),
    ("country", "country"), ("country_code", "country_code"), ("latitude", "latitude"),
    ("longitude", "longitude"), ("device_type", "device_type"), ("os", "os"), ("browser", "browser"),
    ("referrer_url", "referrer_url"), ("user_agent", "user_agent"), ("method", "method"),
    ("enriched_at", "enriched_at"), ("counted_at", "counted_at"),
]


class _Echo:
    """csv.writer writes into this and gets the line back, so rows stream one by one."""

    def write(self, value: str) -> str:
        return value


def _cell(v: Any) -> Any:
    if isinstance(v, dt.datetime):
        return v.astimezone(dt.UTC).isoformat()
    return "" if v is None else v


def scan_events_rows(*, organization: Organization, filters: DashboardFilters) -> Iterator[list[Any]]:
    """Header, then every scan event of the organization in the filtered range (all
    classifications, oldest first). The queryset is built here, while the organization is
    bound; a streamed response is iterated after the middleware has unbound it. The range's
    days are the organization's (its time zone), as on the dashboard; times are written in UTC
    with their offset."""
    require_export(organization)
    zone = organization.tzinfo
    start = dt.datetime.combine(filters.date_from, dt.time.min, tzinfo=zone)
    end = dt.datetime.combine(filters.date_to + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
    qs = ScanEvent.objects.filter(organization=organization, scanned_at__gte=start, scanned_at__lt=end)
    if filters.qr_code_id:
        qs = qs.filter(qr_code_id=filters.qr_code_id)
    if filters.campaign_id:
        qs = qs.filter(qr_code_id__in=QRCode.objects.filter(organization=organization,
                                                           campaign_id=filters.campaign_id).values("pk"))
    rows = qs.order_by("scanned_at", "id").values_list(*[src for _, src in SCAN_COLUMNS])

    def generate() -> Iterator[list[Any]]:
        yield [name for name, _ in SCAN_COLUMNS]
        for row in rows.iterator(chunk_size=CHUNK):
            yield [_cell(v) for v in row]

    return generate()


def aggregate_rows(*, organization: Organization, filters: DashboardFilters) -> Iterator[list[Any]]:
    """The dashboard's numbers as one table: section, key, label, scans, unique, bots."""
    require_export(organization)
    tier = tier_for(organization)
    # Computed now (organization bound), yielded later.
    out: list[list[Any]] = [["section", "key", "label", "scans", "unique_scans", "bot_scans"]]
    totals = selectors.scans_totals(organization=organization, filters=filters)
    out.append(["total", f"{filters.date_from}..{filters.date_to}", "All scans", totals["scans"],
                totals["unique_scans"], totals["bot_scans"]])
    for p in selectors.scans_series(organization=organization, filters=filters, interval="day"):
        out.append(["day", p["period"].isoformat(), "", p["scans"], p["unique_scans"], p["bot_scans"]])
    for q in selectors.top_qr_codes(organization=organization, filters=filters, limit=100_000):
        out.append(["qr_code", str(q["id"]), q["name"], q["scans"], q["unique_scans"], q["bot_scans"]])
    if tier.campaign_filter:
        for c in selectors.campaign_comparison(organization=organization, filters=filters):
            out.append(["campaign", str(c["id"]), c["name"], c["scans"], c["unique_scans"], ""])
    every = selectors.breakdowns(organization=organization, filters=filters, limits=dict.fromkeys(tier.breakdowns))
    for dim in sorted(every):
        for r in every[dim]:
            out.append([dim, r["value"], r["label"], r["scans"], r["unique_scans"], ""])
    return iter(out)


def csv_response(rows: Iterator[list[Any]], filename: str) -> StreamingHttpResponse:
    writer = csv.writer(_Echo())
    response = StreamingHttpResponse((writer.writerow(r) for r in rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


def export_filename(kind: str, filters: DashboardFilters) -> str:
    return f"{kind}-{filters.date_from.isoformat()}-{filters.date_to.isoformat()}.csv"
