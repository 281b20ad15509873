from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def tenant_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Logged in as a user of an active organization (the middleware bound it)."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if getattr(request, "organization", None) is None:
            return render(request, "tenants/no_organization.html", status=403)
        return view(request, *args, **kwargs)

    return wrapper
