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
from core.humanize import wait_words
from core.ids import as_uuid
from core.throttles import rate_limit_wait
from core.web import add_domain_errors, refusals_as_http
from tenants import selectors, services
from tenants.activity_text import activity_action_label
from tenants.decorators import offered_to, tenant_required
from tenants.forms import (
    LoginForm,
    OrganizationSettingsForm,
    PasswordResetForm,
    PlanChangeForm,
    RegistrationForm,
    TeamInviteForm,
)
from tenants.models import User
from tenants.plans import PLANS
from tenants.roles import ADMINS, can_manage_team


def _rate_limited(request: HttpRequest, template: str, form, wait: int) -> HttpResponse:
    form.is_valid()  # keep what was typed; the rate limit is the only error shown
    form.errors.clear()
    form.add_error(None, f"Too many attempts from your network. Try again in {wait_words(wait)}.")
    response = render(request, template, {"form": form}, status=429)
    response["Retry-After"] = str(wait)
    return response


@require_http_methods(["GET", "POST"])
def register(request: HttpRequest) -> HttpResponse:
    """Sign-up. A paid plan chosen here is filed as a request for OI to confirm; the
    organization starts on the free plan (tenants.services.organization_sign_up)."""
    form = RegistrationForm(request.POST or None)
    wait = rate_limit_wait(request, "register") if request.method == "POST" else None
    if wait is not None:
        return _rate_limited(request, "tenants/register.html", form, wait)
    if request.method == "POST" and form.is_valid():
        try:
            sign_up = services.organization_sign_up(data=form.cleaned_data, ip_address=client_ip(request))
        except DomainError as err:
            add_domain_errors(form, err)
        else:
            user = sign_up.user
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, f"Welcome to Outbound Impact, {user.full_name}!")
            if sign_up.plan_request is not None:
                messages.info(request, services.sign_up_message(sign_up))
                return redirect("plan")
            return redirect("dashboard")
    context = {"form": form, "plans": list(PLANS.values())}
    return render(request, "tenants/register.html", context, status=400 if form.errors else 200)


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
    context = {
        "page": page, "rows": selectors.activity_rows(page.object_list), "action": action,
        "actions": [(a, activity_action_label(a)) for a in selectors.activity_actions(organization=org)],
        "scans": selectors.scan_latest(organization=org) if page.number == 1 else [],
        "zone": org.timezone,
    }
    return render(request, "tenants/activity.html", context)


# --- Plan and organization settings ----------------------------------------------------------


def _plan_features(plan) -> list[str]:
    """The dashboard a plan shows, in the page's words (from the plan table's DashboardTier)."""
    tier = plan.dashboard
    history = "all history" if tier.history_days is None else f"{tier.history_days} days of history"
    breakdowns = ", ".join(sorted(b.replace("_", " ") for b in tier.breakdowns))
    return [
        f"{tier.label} dashboard, {history}",
        f"Breakdowns: {breakdowns}",
        f"Intervals: {', '.join(i for i in ('hour', 'day', 'week', 'month') if i in tier.intervals)}",
        "Location map and cities" if tier.locations else "No location map",
        "Campaign filter and comparison" if tier.campaign_filter else "No campaign filter",
        "CSV export" if tier.export else "No CSV export",
    ]


def _plan_page(request: HttpRequest, *, change_form: PlanChangeForm | None = None,
               settings_form: OrganizationSettingsForm | None = None, status: int = 200) -> HttpResponse:
    """The Plan page: the current plan, its limits and live usage, every plan side by side (a
    request button per other plan for Admins, with what a downgrade needs first), the pending
    request, past requests and the time zone."""
    org = request.organization
    current = PLANS.get(org.plan_type) or PLANS[next(iter(PLANS))]
    is_admin = services.PLAN_ADMINS.allows(request.user)
    pending = selectors.plan_change_pending(organization=org)
    keys = list(PLANS)
    adds = {p.dashboard.upgrade_to: p.dashboard.upgrade_adds for p in PLANS.values() if p.dashboard.upgrade_to}
    rows = []
    for plan in PLANS.values():
        is_current = plan.key == org.plan_type
        direction = "" if is_current else ("upgrade" if (
            plan.monthly_price, keys.index(plan.key)) > (current.monthly_price, keys.index(current.key)) else "downgrade")
        blockers = selectors.plan_change_blockers(organization=org, to_plan=plan.key) if direction == "downgrade" else None
        rows.append({"plan": plan, "is_current": is_current, "direction": direction, "blockers": blockers,
                     "features": _plan_features(plan), "adds": adds.get(plan.key, ""),
                     "is_pending": pending is not None and pending.to_plan == plan.key})
    context = {
        "current": current,
        "usage": selectors.organization_usage(organization=org),
        "rows": rows,
        "pending": pending,
        "history": [r for r in selectors.plan_change_list(organization=org) if not r.is_pending],
        "is_admin": is_admin,
        "not_offered": services.PLAN_ADMINS.not_offered(request.user, org),
        "change_form": change_form,
        "settings_form": settings_form or OrganizationSettingsForm(initial={"timezone": org.timezone}),
        "timezone_label": org.timezone.replace("_", " "),
    }
    return render(request, "tenants/plan.html", context, status=status)


@tenant_required
@require_http_methods(["GET"])
def plan(request: HttpRequest) -> HttpResponse:
    return _plan_page(request)


@tenant_required
@require_POST
@offered_to(services.PLAN_ADMINS)
def plan_change_request(request: HttpRequest) -> HttpResponse:
    form = PlanChangeForm(request.POST)
    if form.is_valid():
        try:
            with refusals_as_http():
                req = services.plan_change_request(
                    organization=request.organization, actor=request.user, to_plan=form.cleaned_data["to_plan"],
                )
        except DomainError as err:
            add_domain_errors(form, err)
            return _plan_page(request, change_form=form, status=err.status_code)
        messages.success(request, f"{req.to_label} is requested; OI will confirm it and you stay on "
                                  f"{req.from_label} until then.")
        return redirect("plan")
    return _plan_page(request, change_form=form, status=400)


@tenant_required
@require_POST
@offered_to(services.PLAN_ADMINS)
def plan_change_cancel(request: HttpRequest, request_id: str) -> HttpResponse:
    try:
        with refusals_as_http(not_found="Plan change request not found."):
            req = services.plan_change_cancel(organization=request.organization, actor=request.user,
                                              request_id=request_id)
    except DomainError as err:
        messages.error(request, str(err.detail))
    else:
        messages.success(request, f"Your request for {req.to_label} is cancelled.")
    return redirect("plan")


@tenant_required
@require_POST
@offered_to(services.PLAN_ADMINS)
def organization_settings(request: HttpRequest) -> HttpResponse:
    """The Plan page's settings form (the time zone); Admins only."""
    form = OrganizationSettingsForm(request.POST)
    if form.is_valid():
        try:
            with refusals_as_http():
                org = services.organization_timezone_set(
                    organization=request.organization, actor=request.user, timezone=form.cleaned_data["timezone"],
                )
        except DomainError as err:
            add_domain_errors(form, err)
        else:
            messages.success(request, f"Time zone set to {org.timezone.replace('_', ' ')}.")
            return redirect("plan")
    return _plan_page(request, settings_form=form, status=400)
