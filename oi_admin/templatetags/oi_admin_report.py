"""Formatting of report cells."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django import template
from django.contrib.humanize.templatetags.humanize import intcomma
from django.utils import formats, timezone

register = template.Library()


@register.filter
def is_number(value: Any) -> bool:
    return isinstance(value, (int, float, Decimal)) and not isinstance(value, bool)


@register.filter
def report_cell(value: Any, kind: str) -> str:
    """A report value for the HTML table; the CSV export keeps the raw value."""
    if value is None or value == "":
        return "—"
    if kind == "money":
        return f"${Decimal(value):,.2f}"
    if kind == "percent":
        return f"{Decimal(value):.1f}%"
    if kind == "float":
        return f"{float(value):,.2f}"
    if kind == "int":
        return intcomma(value)
    if kind == "datetime" and isinstance(value, dt.datetime):
        return formats.date_format(timezone.localtime(value), "Y-m-d H:i")
    if kind in ("date", "datetime") and isinstance(value, dt.date):
        day = value.date() if isinstance(value, dt.datetime) else value
        return day.isoformat()
    return str(value)
