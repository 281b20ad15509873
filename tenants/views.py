"""HTML sign-up, login and logout. Same services as the API."""

from django.contrib import messages
from django.contrib.auth import login, logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from outbound_impact.client_ip import client_ip
from tenants import services
from tenants.errors import DomainError
from tenants.forms import LoginForm, RegistrationForm


def _add_domain_errors(form, err: DomainError) -> None:
    if isinstance(err.detail, dict):
        for field, msg in err.detail.items():
            form.add_error(field if field in form.fields else None, msg)
    else:
        form.add_error(None, str(err.detail))


@require_http_methods(["GET", "POST"])
def register(request: HttpRequest) -> HttpResponse:
    form = RegistrationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.organization_register(data=form.cleaned_data, ip_address=client_ip(request))
        except DomainError as err:
            _add_domain_errors(form, err)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            services.user_login_record(user=user, ip_address=client_ip(request))
            messages.success(request, f"Welcome to Outbound Impact, {user.full_name}!")
            return redirect("dashboard")
    return render(request, "tenants/register.html", {"form": form}, status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    form = LoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.auth_check_credentials(**form.cleaned_data)
        except DomainError as err:
            _add_domain_errors(form, err)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            services.user_login_record(user=user, ip_address=client_ip(request))
            if user.is_staff and user.organization_id is None:
                return redirect("admin:index")
            nxt = request.GET.get("next", "")
            return redirect(nxt if nxt.startswith("/") and not nxt.startswith("//") else "dashboard")
    return render(request, "tenants/login.html", {"form": form}, status=400 if form.errors else 200)


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    messages.info(request, "You are logged out.")
    return redirect("login")


def home(request: HttpRequest) -> HttpResponse:
    return redirect("dashboard" if request.user.is_authenticated else "login")
