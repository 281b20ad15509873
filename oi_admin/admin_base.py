"""Building blocks of the console's ModelAdmins: the cross-tenant queryset, CSV export, a
paginator that does not COUNT(*) big tables, read-only admins and links between objects."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import admin
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.html import format_html, format_html_join

from oi_admin.export import csv_response
from oi_admin.selectors import coordinate
from oi_admin.staff_roles import can_export, is_super_admin

COORDINATE_FIELDS = ("latitude", "longitude")


class EstimatedCountPaginator(Paginator):
    """Page counts for tables of millions of rows without a full COUNT(*) per page view:
    unfiltered, PostgreSQL's own estimate (pg_class.reltuples, kept by ANALYZE); filtered, an
    exact count that stops at COUNT_CAP rows (so at most COUNT_CAP / per_page pages)."""

    COUNT_CAP = 10_000

    @cached_property
    def count(self) -> int:
        qs = self.object_list
        if isinstance(qs, QuerySet) and not qs.query.where:
            with connection.cursor() as cur:
                cur.execute("SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass",
                            [qs.model._meta.db_table])
                row = cur.fetchone()
            if row and row[0] > self.COUNT_CAP:
                return int(row[0])
        if isinstance(qs, QuerySet):
            return qs.order_by()[: self.COUNT_CAP].count()
        return super().count


class ConsoleModelAdmin(admin.ModelAdmin):
    """Every console admin: all tenants through the plain `all_orgs` manager, which
    TenantOwnedModel makes every tenant model's default manager (the admin's explicit
    cross-tenant door; `objects` would raise without a bound organization), and an "Export
    selected rows as CSV" action for staff who may export."""

    actions = ["export_csv"]
    csv_fields: tuple[str, ...] = ()

    def has_export_permission(self, request: HttpRequest) -> bool:
        return can_export(request.user)

    def get_csv_fields(self) -> tuple[str, ...]:
        if self.csv_fields:
            return self.csv_fields
        return tuple(f.attname for f in self.model._meta.concrete_fields)

    @admin.action(description="Export selected rows as CSV", permissions=["export"])
    def export_csv(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse:
        fields = self.get_csv_fields()
        rows = queryset.order_by().values_list(*fields).iterator(chunk_size=2000)
        at = [i for i, f in enumerate(fields) if f in COORDINATE_FIELDS]
        if at:
            rows = (tuple(coordinate(v) if i in at else v for i, v in enumerate(row)) for row in rows)
        return csv_response(f"{self.model._meta.db_table}.csv", fields, rows)


class RoundedCoordinatesAdmin(admin.ModelAdmin):
    """A model with latitude/longitude: its pages show them rounded (oi_admin.selectors.coordinate),
    never the raw GeoIP figures."""

    exclude = COORDINATE_FIELDS

    def get_readonly_fields(self, request: HttpRequest, obj: Model | None = None) -> tuple[str, ...]:
        return (*super().get_readonly_fields(request, obj), "coordinates")

    @admin.display(description="Coordinates (rounded, ~1 km)")
    def coordinates(self, obj: Model) -> str:
        lat, lng = coordinate(getattr(obj, "latitude", None)), coordinate(getattr(obj, "longitude", None))
        return "—" if lat is None or lng is None else f"{lat}, {lng}"


class ReadOnlyConsoleAdmin(ConsoleModelAdmin):
    """Rows written only by the system (scans, activity, rollups): view and export, never edit."""

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False


class BigTableAdmin(ReadOnlyConsoleAdmin):
    """Millions of rows: no full count, no date hierarchy (its DISTINCT dates scan the table;
    a date list filter is used instead), newest rows by id unless filtered to one customer."""

    paginator = EstimatedCountPaginator
    show_full_result_count = False
    list_per_page = 100
    org_ordering: tuple[str, ...] = ("-id",)

    def get_ordering(self, request: HttpRequest) -> tuple[str, ...]:
        # One customer: its (organization, time) index gives the order. All: the primary key.
        if any(k.startswith("organization") for k in request.GET):
            return self.org_ordering
        return ("-id",)


def changelist_link(model: type[Model], label: str, **filters: Any) -> str:
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    return format_html('<a href="{}?{}">{}</a>', url, urlencode(filters), label)


def change_link(obj: Model | None) -> str:
    if obj is None:
        return "—"
    url = reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])
    return format_html('<a href="{}">{}</a>', url, obj)


def links(items: list[str]) -> str:
    return format_html_join(" · ", "{}", ((i,) for i in items))


class TenantContentAdmin(ReadOnlyConsoleAdmin):
    """A customer's own content (QR codes, campaigns, uploads): staff look, never edit or
    delete here. Writes go through the customer's services, which keep plan limits, counters,
    stored objects and the activity log right; the console acts on organizations instead."""


class SystemSectionAdmin:
    """Mixed in (by OIAdminSite.register) before the ModelAdmin of every internal model: only
    super_admin may see or touch it. Other staff get no app-list entry and a 403 on its pages,
    whatever their group's model permissions say."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return is_super_admin(request.user) and super().has_module_permission(request)

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return is_super_admin(request.user) and super().has_view_permission(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return is_super_admin(request.user) and super().has_change_permission(request, obj)

    def has_add_permission(self, request: HttpRequest, *args: Any) -> bool:
        return is_super_admin(request.user) and super().has_add_permission(request, *args)

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return is_super_admin(request.user) and super().has_delete_permission(request, obj)
