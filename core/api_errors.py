"""One error shape for the whole API: {"error": "<code>", "detail": ...} with the right status."""

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db import DatabaseError, InterfaceError, OperationalError
from django.http import Http404, HttpRequest, JsonResponse
from rest_framework import exceptions, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from core.errors import DomainError
from core.outages import DATABASE_RETRY_AFTER, DATABASE_UNAVAILABLE
from core.throttles import throttled_detail


class DefaultPagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 500


def _code_for(exc: exceptions.APIException) -> str:
    codes = exc.get_codes()
    if isinstance(codes, str):
        return codes
    if isinstance(exc, exceptions.ValidationError):
        return "validation_error"
    return getattr(exc, "default_code", "error")


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, DomainError):
        return Response({"error": exc.code, "detail": exc.detail}, status=exc.status_code,
                        headers=getattr(exc, "headers", None))  # e.g. Retry-After of a lockout
    if isinstance(exc, (OperationalError, InterfaceError)):
        return Response(DATABASE_UNAVAILABLE, status=status.HTTP_503_SERVICE_UNAVAILABLE,
                        headers={"Retry-After": str(DATABASE_RETRY_AFTER)})
    if isinstance(exc, exceptions.Throttled):  # DRF says "Expected available in 3066 seconds."
        exc.detail = exceptions.ErrorDetail(throttled_detail(exc.wait), code=exc.default_code)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        if isinstance(exc, DatabaseError):
            return Response(
                {"error": "database_error", "detail": "The request could not be stored."},
                status=status.HTTP_400_BAD_REQUEST,
            )
        return None
    assert isinstance(exc, exceptions.APIException)
    response.data = {"error": _code_for(exc), "detail": exc.detail}
    return response


def json_error(request: HttpRequest, status_code: int, code: str, detail: str) -> JsonResponse:
    return JsonResponse({"error": code, "detail": detail}, status=status_code)


def api_not_found(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return json_error(request, 404, "not_found", "Not found.")


def api_server_error(request: HttpRequest) -> JsonResponse:
    return json_error(request, 500, "server_error", "Internal server error.")
