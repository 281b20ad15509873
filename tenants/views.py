"""HTML sign-up, login and logout. Same services as the API."""

from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import SetPasswordForm
from django.contrib.auth.tokens import default_token_generator
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import urlsafe_base64_decode
from django.views.decorators.http import require_http_methods, require_POST

from core.client_ip import client_ip
from core.errors import DomainError
from core.ids import as_uuid
from core.throttles import rate_limit_wait
from core.web import add_domain_errors, refusals_as_http
from tenants import selectors, services
from tenants.decorators import tenant_required
from tenants.forms import LoginForm, PasswordResetForm, RegistrationForm, TeamInviteForm
from tenants.models import User
from tenants.roles import ADMINS, can_manage_team


def _rate_limited(request: HttpRequest, template: str, form, wait: int) -> HttpResponse:
    form.is_valid()  # keep what was typed; the rate limit is the only error shown
    form.errors.clear()
    form.add_error(None, f"Too many attempts from your network. Try again in {wait} seconds.")
    response = render(request, template, {"form": form}, status=429)
    response["Retry-After"] = str(wait)
    return response


@require_http_methods(["GET", "POST"])
def register(request: HttpRequest) -> HttpResponse:
    form = RegistrationForm(request.POST or None)
    wait = rate_limit_wait(request, "register") if request.method == "POST" else None
    if wait is not None:
        return _rate_limited(request, "tenants/register.html", form, wait)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.organization_register(data=form.cleaned_data, ip_address=client_ip(request))
        except DomainError as err:
            add_domain_errors(form, err)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            services.user_login_record(user=user, ip_address=client_ip(request))
            messages.success(request, f"Welcome to Outbound Impact, {user.full_name}!")
            return redirect("dashboard")
    return render(request, "tenants/register.html", {"form": form}, status=400 if form.errors else 200)


class PasswordResetView(auth_views.PasswordResetView):
    """Django's reset form, rate limited per client (429 with a form error) and per address
    (past the limit the page reads as for any address, "sent", and no mail goes out, so the
    limit tells nothing about which addresses have accounts)."""

    form_class = PasswordResetForm

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        wait = rate_limit_wait(request, "password_reset")
        if wait is not None:
            return _rate_limited(request, self.template_name, self.get_form(), wait)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form: PasswordResetForm) -> HttpResponse:
        address = form.cleaned_data["email"].strip().lower()
        if rate_limit_wait(self.request, "password_reset_address", ident=address) is not None:
            return redirect(self.get_success_url())
        return super().form_valid(form)


@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    form = LoginForm(request.POST or None)
    wait = rate_limit_wait(request, "auth") if request.method == "POST" else None
    if wait is not None:
        return _rate_limited(request, "tenants/login.html", form, wait)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.auth_check_credentials(request=request, **form.cleaned_data)
        except DomainError as err:
            add_domain_errors(form, err)
            if err.status_code in (429, 503):  # locked out / lockout store down: say so
                response = render(request, "tenants/login.html", {"form": form}, status=err.status_code)
                for header, value in getattr(err, "headers", {}).items():
                    response[header] = value
                return response
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


# --- Team and activity pages -----------------------------------------------------------------

ACTIVITY_PAGE_SIZE = 50


@tenant_required
@require_http_methods(["GET", "POST"])
def team(request: HttpRequest) -> HttpResponse:
    """The team: members, seats used, and (for Admins) invitations, roles and deactivation.
    Only what the viewer may do is offered: no invite form at the seat limit or for non-Admins,
    no role change or deactivation of oneself; each absence says who can, in one line."""
    org = request.organization
    form = TeamInviteForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            user = services.team_invite(organization=org, actor=request.user, **form.cleaned_data)
        except DomainError as err:
            add_domain_errors(form, err)
            status = err.status_code
        else:
            messages.success(request, f"Invitation sent to {user.email}.")
            return redirect("team")
    if form.errors and status == 200:
        status = 400
    seats = selectors.organization_usage(organization=org).contributors
    context = {
        "form": form,
        "members": selectors.user_list(organization=org),
        "seats": seats,
        "is_admin": can_manage_team(request.user),
        "not_offered": ADMINS.not_offered(request.user, org),
        "roles": User.Role.values,
    }
    return render(request, "tenants/team.html", context, status=status)


@tenant_required
@require_POST
def team_member_update(request: HttpRequest, user_id: str) -> HttpResponse:
    try:
        with refusals_as_http(not_found="User not found."):
            user = services.team_update(
                organization=request.organization, actor=request.user, user_id=user_id,
                role=request.POST.get("role") or None, status=request.POST.get("status") or None,
            )
    except DomainError as err:
        messages.error(request, str(err.detail))
    else:
        messages.success(request, f"{user.full_name or user.email}: {user.role}, {user.status}.")
    return redirect("team")


@require_http_methods(["GET", "POST"])
def team_invite_accept(request: HttpRequest, uidb64: str, token: str) -> HttpResponse:
    """An invited user sets a password from the emailed link, then lands on the dashboard."""
    try:
        pk = urlsafe_base64_decode(uidb64).decode()
    except (ValueError, UnicodeDecodeError):
        pk = ""
    pk = as_uuid(pk)
    user = User.objects.filter(pk=pk, status=User.Status.INVITED).select_related("organization").first() if pk else None
    if user is None or not default_token_generator.check_token(user, token):
        return render(request, "tenants/team_invite_invalid.html", status=400)
    form = SetPasswordForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.team_accept_invite(
                user=user, password=form.cleaned_data["new_password1"], ip_address=client_ip(request)
            )
        except DomainError as err:
            add_domain_errors(form, err)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            services.user_login_record(user=user, ip_address=client_ip(request))
            messages.success(request, f"Welcome to {user.organization.company_name}, {user.full_name or user.email}!")
            return redirect("dashboard")
    return render(
        request, "tenants/team_invite_accept.html", {"form": form, "invitee": user},
        status=400 if form.errors else 200,
    )


@tenant_required
def activity(request: HttpRequest) -> HttpResponse:
    """The organization's activity feed, paginated, optionally one action."""
    org = request.organization
    action = request.GET.get("action") or None
    paginator = Paginator(selectors.activity_list(organization=org, action=action), ACTIVITY_PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    rows = [(a, selectors.activity_describe(a)) for a in page.object_list]
    context = {
        "page": page, "rows": rows, "action": action, "actions": selectors.activity_actions(organization=org),
        "scans": selectors.scan_latest(organization=org) if page.number == 1 else [],
    }
    return render(request, "tenants/activity.html", context)
