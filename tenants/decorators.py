from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from tenants.roles import WriteAccess


def tenant_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Logged in as a user of an active organization (the middleware bound it)."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if getattr(request, "organization", None) is None:
            return render(request, "tenants/no_organization.html", status=403)
        return view(request, *args, **kwargs)

    return wrapper


def offered_to(access: WriteAccess) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """A page that exists only to change something (a create or edit form): a member whose role
    may not answers the 403 page with the line saying who can, instead of a form that fails
    after Submit. Goes under tenant_required; the service behind the form still refuses."""

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            line = access.not_offered(request.user, request.organization)
            if line:
                raise PermissionDenied(line)
            return view(request, *args, **kwargs)

        return wrapper

    return decorate
