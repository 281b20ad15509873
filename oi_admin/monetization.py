"""The aggregate data export for monetization: what the seed's "Data Monetization Query" may
become without selling anyone's data. The rules (docs/oi_console.md):

1. Only non-bot scans (human + duplicate) of organizations that have not opted out of data
   sharing (data_sharing_opted_out); an opt-out applies to every day of the next export.
2. Never an organization or QR-code identity, nor anything that counts them (no unique QR
   codes: a cell with one QR code would be one customer's campaign), nor coordinates finer
   than the city name.
3. Rows are (UTC day, country, state, city, device type). A row is published only when at
   least k distinct scanners (md5 of hashed IP + user agent) are in it; k is
   settings.MONETIZATION_K (default 10, the seed's threshold, now on people instead of scans).
4. The daypart split (night [0,6), morning [6,12), afternoon [12,18), evening [18,24) UTC,
   disjoint) of a row is published all or nothing: only when every non-empty daypart has at
   least k distinct scanners. Otherwise a suppressed daypart could be recovered as the row
   total minus the published ones (complementary suppression).
5. No coarser total (per day, per city, per country, grand total) is part of the export, so no
   suppressed row can be recovered by subtracting published rows from a published total.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models import Case, IntegerField, Max, Min, Q, Sum, Value, When
from django.db.models.functions import Coalesce

from oi_admin.models import Daypart
from oi_admin.selectors import Window, scan_cells

DAYPARTS = (Daypart.NIGHT, Daypart.MORNING, Daypart.AFTERNOON, Daypart.EVENING)
ROW_KEY = ("day", "country_code", "country", "state", "city", "device_type")


def monetization_k() -> int:
    """The k of k-anonymity; never below 2, whatever the setting says."""
    return max(int(settings.MONETIZATION_K), 2)


def monetization_rows(window: Window, *, k: int | None = None) -> list[dict[str, Any]]:
    """The export's rows for the window, most scans first within each day. One query over the
    daily cells; the k rules are applied in SQL on the stored distinct-scanner counts. Days
    whose cells were built before the latest opt-out change are left out until a worker has
    rebuilt them (reads never write: oi_admin.selectors.scan_cells asks for the rebuild)."""
    k = monetization_k() if k is None else max(int(k), 2)
    whole_day = Q(daypart=Daypart.WHOLE_DAY)
    daypart_ok = Case(
        When(Q(shared_scanners__gte=k) | Q(shared_scans=0), then=Value(1)),
        default=Value(0),
        output_field=IntegerField(),
    )
    rows = (
        scan_cells(window, shareable=True)
        .values(*ROW_KEY)
        .annotate(
            scanners=Max("shared_scanners", filter=whole_day),
            total_scans=Max("shared_scans", filter=whole_day),
            split_ok=Min(daypart_ok, filter=~whole_day),
            **{
                f"{part}_scans": Coalesce(Sum("shared_scans", filter=Q(daypart=part)), 0)
                for part in DAYPARTS
            },
        )
        .filter(scanners__gte=k)
        .order_by("day", "-total_scans", "country_code", "state", "city", "device_type")
    )
    result = []
    for row in rows:
        split_ok = row.pop("split_ok") == 1
        for part in DAYPARTS:
            if not split_ok:
                row[f"{part}_scans"] = None
        result.append(row)
    return result
