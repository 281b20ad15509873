"""Paging a list that sits inside a larger response object, e.g. /api/team's `users` next to
the plan's seat counts: the same `page` / `page_size` parameters and `count` / `next` /
`previous` keys as the plain list endpoints (DefaultPagination), added beside the list."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers
from rest_framework.request import Request

from core.api_errors import DefaultPagination

PAGE_PARAMETERS = [
    OpenApiParameter("page", OpenApiTypes.INT, description="A page number within the paginated result set."),
    OpenApiParameter("page_size", OpenApiTypes.INT, description="Number of results to return per page."),
]


def page_fields() -> dict[str, serializers.Field]:
    """The paging keys for an `inline_serializer` that documents an envelope."""
    return {
        "count": serializers.IntegerField(help_text="Items in all pages."),
        "next": serializers.URLField(allow_null=True, help_text="The next page, or null."),
        "previous": serializers.URLField(allow_null=True, help_text="The previous page, or null."),
    }


def page_of(items: Sequence[Any] | QuerySet, request: Request, view: Any) -> tuple[list[Any], dict[str, Any]]:
    """One page of `items` and the paging keys; an out-of-range page raises NotFound (404),
    exactly like the plain list endpoints."""
    paginator = DefaultPagination()
    page = paginator.paginate_queryset(items, request, view=view) or []
    return list(page), {
        "count": paginator.page.paginator.count,
        "next": paginator.get_next_link(),
        "previous": paginator.get_previous_link(),
    }
