"""404/500 handlers: JSON under /api/, friendly pages elsewhere."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from core.api_errors import api_not_found, api_server_error


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if request.path.startswith("/api/"):
        return api_not_found(request)
    return render(request, "404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    if request.path.startswith("/api/"):
        return api_server_error(request)
    return render(request, "500.html", status=500)
