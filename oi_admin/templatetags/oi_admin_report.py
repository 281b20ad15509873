"""Formatting of report cells."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django import template
from django.contrib.humanize.templatetags.humanize import intcomma
from django.template.defaultfilters import filesizeformat
from django.utils import formats, timezone

from tenants.models import GB
from tenants.plans import PLANS

register = template.Library()


@register.filter
def is_number(value: Any) -> bool:
    return isinstance(value, (int, float, Decimal)) and not isinstance(value, bool)


@register.filter
def report_limit(value: Any, kind: str) -> str:
    """The "/ limit" beside a value: "∞" for none, "500 GB" beside a size."""
    if value is None:
        return "∞"
    return f"{intcomma(value)} GB" if kind == "gb" else intcomma(value)


@register.filter
def report_cell(value: Any, kind: str) -> str:
    """A report value for the HTML table; the CSV export keeps the raw value."""
    if value is None or value == "":
        return "—"
    if kind == "plan":
        plan = PLANS.get(str(value))
        return plan.label if plan else str(value)  # "Enterprise", not "enterprise"
    if kind == "money":
        return f"${Decimal(value):,.2f}"
    if kind == "percent":
        return f"{Decimal(value):.1f}%"
    if kind == "float":
        return f"{float(value):,.2f}"
    if kind == "gb":  # a size kept in GB (the CSV's number): "4.2 MB", never "0.00"
        return filesizeformat(float(value) * GB)
    if kind == "int":
        return intcomma(value)
    if kind == "datetime" and isinstance(value, dt.datetime):
        return formats.date_format(timezone.localtime(value), "Y-m-d H:i")
    if kind in ("date", "datetime") and isinstance(value, dt.date):
        day = timezone.localtime(value).date() if isinstance(value, dt.datetime) else value
        return day.isoformat()
    return str(value)
