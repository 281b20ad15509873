"""The statements behind `selectors.breakdowns` (split out of selectors.py for size; only the
selectors call these). Every breakdown, filtered or not, ends in `_ranked`: one statement that
ranks (dimension, value, scans, unique) rows per dimension, cuts each to its limit and joins the
labels of country and city values. The querysets inside are built by the scoped managers with
the organization passed explicitly."""

from __future__ import annotations

import uuid
from functools import lru_cache
from typing import Any

import pycountry
from django.db import connection
from django.db.models import Sum

from analytics.filters import DashboardFilters
from analytics.models import (
    HOT_GRAINS,
    LABELLED_DIMENSIONS,
    CountedScan,
    Dimension,
    DimensionLabel,
    HotQRCode,
    OrgScanRollup,
    QRDimensionRollup,
)
from analytics.periods import bucket, day_intervals, range_buckets, range_segments
from tenants.models import Organization


@lru_cache(maxsize=512)
def _country(code: str) -> tuple[str, str]:
    c = pycountry.countries.get(alpha_2=code) if code else None
    return (c.name, c.numeric) if c else ("", "")


def _display(dimension: str, value: str, label: str, zone: str = "UTC") -> str:
    if dimension == Dimension.HOUR:  # the hour in the organization's zone (analytics.zoned)
        return f"{value}:00 UTC" if zone == "UTC" else f"{value}:00"
    if not value:
        return "Direct / unknown" if dimension == Dimension.REFERRER else "Unknown"
    if dimension == Dimension.COUNTRY:
        return label or _country(value)[0] or value
    if dimension == Dimension.DEVICE_TYPE:
        return value.capitalize()
    return label or value


Row = tuple[Any, ...]  # (value, scans, unique, label, latitude, longitude)


def block_breakdowns(organization: Organization, filters: DashboardFilters,
                      cut: dict[str, int | None]) -> tuple[dict[str, list[Row]], int]:
    # The ORM builds the scoped aggregate over the range's blocks (the "total" row rides along
    # for the shares).
    inner, params = (
        OrgScanRollup.objects.filter(organization=organization, dimension__in=[*cut, Dimension.TOTAL],
                                     bucket__in=range_buckets(filters.date_from, filters.date_to))
        .order_by().values("dimension", "value").annotate(s=Sum("scans"), u=Sum("unique_scans"))
        .query.sql_with_params()
    )
    return _ranked(organization, inner, params, cut)


def counted_breakdowns(organization: Organization, filters: DashboardFilters, qr_ids: list[uuid.UUID],
                        cut: dict[str, int | None]) -> tuple[dict[str, list[Row]], int]:
    """Under a QR-code/campaign filter: CountedScan rows (one per scan) for ordinary codes; for
    hot codes (analytics.hot_codes) their month/quarter/year dimension blocks plus CountedScan
    rows for the days and month weeks at the range's ends only. One statement."""
    dims = list(cut)
    hot = set(HotQRCode.objects.filter(organization=organization, qr_code_id__in=qr_ids)
              .values_list("qr_code_id", flat=True))
    segs = range_segments(filters.date_from, filters.date_to)
    scans = CountedScan.objects.filter(organization=organization).order_by().values(*dims, "is_unique")
    parts = [scans.filter(qr_code_id__in=[q for q in qr_ids if q not in hot],
                          day__range=(filters.date_from, filters.date_to))] if len(hot) < len(qr_ids) else []
    if hot:  # one index range per run of days at the ends (UNION ALL keeps each index-only)
        ends = [(g, p) for g, p in segs if g not in HOT_GRAINS]
        parts += [scans.filter(qr_code_id__in=hot, day__range=days) for days in day_intervals(ends, filters.date_to)]
    coarse = [bucket(g, p) for g, p in segs if g in HOT_GRAINS] if hot else []
    pieces, params = [], []
    if parts:
        # (dimension, value, scans, unique) rows, one GROUPING SET per dimension
        inner, inner_params = parts[0].union(*parts[1:], all=True).query.sql_with_params()
        q = '"{}"'.format
        pieces.append(f"SELECT CASE {' '.join(f'WHEN GROUPING({q(d)}) = 0 THEN %s' for d in dims)} END, "  # noqa: S608
                      f"CASE {' '.join(f'WHEN GROUPING({q(d)}) = 0 THEN {q(d)}' for d in dims)} END, "
                      f"count(*), count(*) FILTER (WHERE is_unique) FROM ({inner}) AS t "
                      f"GROUP BY GROUPING SETS ({', '.join(f'({q(d)})' for d in dims)})")
        params += [*dims, *inner_params]
    if coarse:
        blocks, block_params = (
            QRDimensionRollup.objects.filter(organization=organization, qr_code_id__in=hot, bucket__in=coarse,
                                             dimension__in=dims)
            .order_by().values("dimension", "value").annotate(s=Sum("scans"), u=Sum("unique_scans"))
            .query.sql_with_params()
        )
        pieces.append(blocks)
        params += block_params
    if not pieces:
        return {dim: [] for dim in dims}, 0
    # Every counted scan has a value (maybe "") in each dimension: the first one's sum is the total.
    inner = (f"WITH p(dimension, value, s, u) AS ({' UNION ALL '.join(f'({x})' for x in pieces)}) "  # noqa: S608
             "SELECT dimension, value, sum(s)::int8 AS s, sum(u)::int8 AS u FROM p GROUP BY 1, 2 "
             "UNION ALL SELECT 'total', '', sum(s)::int8, sum(u)::int8 FROM p WHERE dimension = %s")
    return _ranked(organization, inner, [*params, dims[0]], cut)


def _ranked(organization: Organization, inner: str, params: list[Any],
            cut: dict[str, int | None]) -> tuple[dict[str, list[Row]], int]:
    """Rank the (dimension, value, s, u) rows of `inner` (plus its "total" row) per dimension,
    cut each to cut[dim], join country and city labels: all in PostgreSQL."""
    limits = [(dim, n) for dim, n in cut.items() if n is not None]
    keep = f"CASE a.dimension{''.join(' WHEN %s THEN a.rn <= %s' for _ in limits)} ELSE TRUE END" if limits else "TRUE"
    sql = (f"SELECT a.dimension, a.value, a.s, a.u, l.label, l.latitude, l.longitude "  # noqa: S608
           f"FROM (SELECT b.*, row_number() OVER (PARTITION BY b.dimension ORDER BY b.s DESC, b.value) AS rn "
           f"      FROM ({inner}) AS b WHERE b.s > 0 OR b.dimension = 'total') AS a "
           f"LEFT JOIN {DimensionLabel._meta.db_table} l ON l.organization_id = %s AND l.dimension = a.dimension "
           f"AND l.value = a.value AND a.dimension = ANY(%s) "
           f"WHERE {keep} ORDER BY a.dimension, a.rn")
    per_dim: dict[str, list[Row]] = {dim: [] for dim in cut}
    total = 0
    with connection.cursor() as cur:
        cur.execute(sql, [*params, organization.pk, list(LABELLED_DIMENSIONS),
                          *(x for pair in limits for x in pair)])
        for dim, *row in cur.fetchall():
            if dim == Dimension.TOTAL:
                total = row[1] or 0
            else:
                per_dim[dim].append(tuple(row))
    if Dimension.HOUR in per_dim:
        per_dim[Dimension.HOUR].sort()
    return per_dim, total


def items(by: str, rows: list[Row], total: int, zone: str = "UTC") -> list[dict[str, Any]]:
    """Shape (value, scans, unique, label, latitude, longitude) rows for the charts and the API;
    `zone`: the organization's, which hour values are in."""
    total = total or 1
    items_out = []
    for value, s, u, label, lat, lng in rows:
        item: dict[str, Any] = {"value": value, "label": _display(by, value, label or "", zone), "scans": s,
                                "unique_scans": u, "share": round(s / total, 4)}
        if by == Dimension.COUNTRY:
            item["iso_numeric"] = _country(value)[1]
        elif by == Dimension.CITY:
            item["latitude"], item["longitude"] = lat, lng
        items_out.append(item)
    return items_out
