"""The one range of calendar dates the app accepts: campaign dates, dashboard and export ranges,
the OI console's report windows. A date outside it is refused where it comes in (400, or a
form error), so no later arithmetic (a range's day after, a year's last day, rollup buckets,
a chart's days) can overflow Python's date or PostgreSQL's.

Imports no app (Django only), so every layer (campaigns, analytics, oi_admin) uses the same bound."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError

MIN_DATE = dt.date(2000, 1, 1)  # before any scan the product can have recorded
MAX_DATE = dt.date(2100, 12, 31)  # beyond any campaign; analytics buckets hold until 2243
DATE_OUT_OF_RANGE = f"Use a date between {MIN_DATE.isoformat()} and {MAX_DATE.isoformat()}."


def date_in_range(day: dt.date) -> bool:
    """True when `day` (a date or a datetime's date) is one the app accepts."""
    if isinstance(day, dt.datetime):
        day = day.date()
    return MIN_DATE <= day <= MAX_DATE


def date_clamp(day: dt.date) -> dt.date:
    """`day` moved into the accepted range: for rows stored before the bound existed, so
    reading them never overflows."""
    return min(max(day, MIN_DATE), MAX_DATE)


def validate_date_in_range(value: dt.date | None) -> None:
    """The same bound as a Django form-field validator."""
    if value is not None and not date_in_range(value):
        raise ValidationError(DATE_OUT_OF_RANGE, code="date_out_of_range")
