"""The console's plan-change requests: customers' Admins ask for another plan on their Plan page
(or pick a paid plan at sign-up); OI staff approve or reject them here. Approving applies the
plan through tenants.services.plan_change_approve, the payment seam (docs/plans.md).

Pending requests are listed first. Staff whose group may change customers (super_admin,
admin: the `change` permission on plan-change requests, oi_admin.staff_roles) get the
Approve / Reject actions; analysts only read. Every field is read-only: a request is decided,
never edited."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import admin, messages
from django.db.models import Case, IntegerField, Model, QuerySet, Value, When
from django.http import HttpRequest

from core.errors import DomainError
from oi_admin.admin_base import ConsoleModelAdmin, change_link
from tenants.models import PlanChangeRequest
from tenants.services import plan_change_approve, plan_change_reject


class StatusFilter(admin.SimpleListFilter):
    title = "status"
    parameter_name = "status"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return list(PlanChangeRequest.Status.choices)

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        return queryset.filter(status=self.value()) if self.value() else queryset


@admin.register(PlanChangeRequest)
class PlanChangeRequestAdmin(ConsoleModelAdmin):
    list_display = ("plan_change", "organization_link", "requested_by", "created_at", "status", "decided_by",
                    "decided_at")
    list_display_links = ("plan_change",)
    list_filter = (StatusFilter, "to_plan")
    list_select_related = ("organization", "requested_by", "decided_by")
    search_fields = ("organization__company_name", "organization__company_email", "requested_by__email")
    fields = ("organization_link", "plan_change", "status", "requested_by", "created_at", "decided_by",
              "decided_at", "note")
    readonly_fields = fields
    actions = ["export_csv", "approve", "reject"]

    def get_ordering(self, request: HttpRequest) -> tuple:
        # Pending first, then the rest; newest first within each.
        pending_first = Case(When(status=PlanChangeRequest.Status.PENDING, then=Value(0)), default=Value(1),
                             output_field=IntegerField())
        return (pending_first.asc(), "-created_at", "-id")

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False  # filed by customers' Admins and by sign-up, never by hand

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False  # the history of plan decisions stays

    @admin.display(description="Organization", ordering="organization__company_name")
    def organization_link(self, obj: PlanChangeRequest) -> str:
        return change_link(obj.organization)

    @admin.display(description="Change")
    def plan_change(self, obj: PlanChangeRequest) -> str:
        return f"{obj.from_label} → {obj.to_label}"

    def _decide(self, request: HttpRequest, queryset: QuerySet, decide: Callable[..., PlanChangeRequest],
                verb: str) -> None:
        done, refused = 0, []
        for req in queryset.order_by("pk"):
            try:
                decide(actor=request.user, request_id=req.pk)
            except DomainError as err:
                refused.append(f"{req.organization} ({req.from_label} → {req.to_label}): {err.detail}")
            else:
                done += 1
        if done:
            self.message_user(request, f"{done} request(s) {verb}.", messages.SUCCESS)
        for line in refused:
            self.message_user(request, f"Not {verb}: {line}", messages.ERROR)

    @admin.action(description="Approve selected requests (apply the plan)", permissions=["change"])
    def approve(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._decide(request, queryset, plan_change_approve, "approved")

    @admin.action(description="Reject selected requests", permissions=["change"])
    def reject(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._decide(request, queryset, plan_change_reject, "rejected")
