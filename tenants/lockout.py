"""Login lockout: glue for django-axes (docs/reliability.md). The (account, address) pair is
locked; the account alone is only slowed down; an address has a much higher ceiling. Counted
in Redis. Used by the login services and the AUTHENTICATION_BACKENDS / AXES_* settings."""


from __future__ import annotations

import hashlib
import logging
import math
import time
from typing import Any

from axes.backends import AxesStandaloneBackend
from axes.handlers.cache import AxesCacheHandler
from axes.helpers import get_cache_timeout, get_client_username
from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from core.errors import DomainError
from core.humanize import wait_words
from tenants.emails import InvalidEmail, normalize_email

logger = logging.getLogger(__name__)



class LockedOut(DomainError):
    """Too many failed logins for this account from this address, from this address, or (a
    slowdown) for this account: 429 with Retry-After."""

    status_code = 429
    code = "locked_out"

    def __init__(self, detail: str, *, retry_after: int) -> None:
        super().__init__(detail)
        self.headers = {"Retry-After": str(retry_after)}


# --- login lockout (django-axes) ----------------------------------------------------------------

class LockoutBackend(AxesStandaloneBackend):
    """django-axes' lockout check, first in AUTHENTICATION_BACKENDS. Our login paths (the
    API, /login, the admin login form) always pass the request, which axes needs to know the
    client address. A caller without a request (Django's test Client.login) cannot be
    tracked: it is let through to the password check instead of raising."""

    def authenticate(self, request: HttpRequest | None, username: str | None = None,
                     password: str | None = None, **kwargs: Any) -> None:
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def login_clock() -> float:
    """Wall-clock seconds for the account slowdown (tests freeze it)."""
    return time.time()


def login_slowdown_wait(failures: int) -> int:
    """Seconds an account with `failures` recent failures waits between attempts: none below
    LOGIN_ACCOUNT_SLOWDOWN_AFTER, then 1, 2, 4 ... up to LOGIN_ACCOUNT_SLOWDOWN_MAX_SECONDS."""
    over = failures - settings.LOGIN_ACCOUNT_SLOWDOWN_AFTER
    if over < 0:
        return 0
    cap = settings.LOGIN_ACCOUNT_SLOWDOWN_MAX_SECONDS
    return min(2 ** min(over, cap.bit_length()), cap)


def lockout_seconds(request: HttpRequest | None = None) -> int:
    """Retry-After for a refused login: what is left of the account slowdown when that refused
    `request`, else the cool-off of a lock (AXES_COOLOFF_TIME, a timedelta)."""
    slowdown = getattr(request, "login_slowdown_seconds", None)
    if slowdown:
        return slowdown
    return int(settings.AXES_COOLOFF_TIME.total_seconds())


def lockout_message(request: HttpRequest | None = None) -> str:
    slowdown = getattr(request, "login_slowdown_seconds", None)
    if slowdown:
        return f"Too many failed login attempts for this account. Try again in {wait_words(slowdown)}."
    return f"Too many failed login attempts. Try again in {wait_words(lockout_seconds())}."


def _account_key(username: str, part: str) -> str:
    return f"login-account-{part}:{hashlib.sha256(username.encode()).hexdigest()}"


def _address_key(ip_address: str) -> str:
    return f"login-address-failures:{ip_address}"


class LockoutHandler(AxesCacheHandler):
    """AXES_HANDLER. axes' cache handler locks the (account, address) pair
    (AXES_LOCKOUT_PARAMETERS) after AXES_FAILURE_LIMIT failures. This adds what axes has no
    separate limit for, in the same Redis cache and window (AXES_COOLOFF_TIME since the last
    failure):
    - per account, from any address: past LOGIN_ACCOUNT_SLOWDOWN_AFTER failures one attempt per
      login_slowdown_wait() seconds since the last failure, never a lock. The attempt let
      through claims the slot (cache.add) so that a botnet's parallel requests get one guess,
      not one each. Unknown emails are counted too: the answer does not reveal accounts.
    - per address, across accounts: locked at LOGIN_ADDRESS_FAILURE_LIMIT failures.
    Refused attempts check no password and count nowhere (AXES_RESET_COOL_OFF_ON_FAILURE_DURING_
    LOCKOUT = False). A successful login resets the pair only (AXES_RESET_ON_SUCCESS): resetting
    the account count would hand a distributed attacker a fresh burst each time the user logs
    in, and resetting the address count would let an attacker clear it with an account of
    their own."""

    def is_allowed(self, request: HttpRequest, credentials: dict | None = None) -> bool:
        if not super().is_allowed(request, credentials):
            return False
        if self.is_whitelisted(request, credentials):
            return True
        ip_address = request.axes_ip_address
        username = get_client_username(request, credentials)
        keys = [_address_key(ip_address)] if ip_address else []
        if username:
            keys += [_account_key(username, "failures"), _account_key(username, "last")]
        values = self.cache.get_many(keys)
        if ip_address and values.get(_address_key(ip_address), 0) >= settings.LOGIN_ADDRESS_FAILURE_LIMIT:
            return False
        if not username:
            return True
        failures = values.get(_account_key(username, "failures"), 0)
        wait = login_slowdown_wait(failures)
        if not wait:
            return True
        now = login_clock()
        remaining = values.get(_account_key(username, "last"), 0.0) + wait - now
        if remaining <= 0 and self.cache.add(_account_key(username, f"slot-{failures}"), 1, timeout=wait):
            return True
        # max(1, ...): the slot was taken by an attempt whose failure is not recorded yet.
        request.login_slowdown_seconds = max(1, math.ceil(remaining))
        return False

    def user_login_failed(self, sender: Any, credentials: dict, request: HttpRequest | None = None,
                          **kwargs: Any) -> None:
        refused = getattr(request, "axes_locked_out", False)
        super().user_login_failed(sender, credentials, request, **kwargs)  # the pair
        if request is None or refused or self.is_whitelisted(request, credentials):
            return
        window = get_cache_timeout(request)
        username = get_client_username(request, credentials)
        if username:
            self._count(_account_key(username, "failures"), window)
            self.cache.set(_account_key(username, "last"), login_clock(), timeout=window)
        ip_address = request.axes_ip_address
        if ip_address and self._count(_address_key(ip_address), window) >= settings.LOGIN_ADDRESS_FAILURE_LIMIT:
            request.axes_locked_out = True  # the failure that reaches the ceiling answers locked_out
            request.axes_credentials = credentials

    def _count(self, key: str, window: int | None) -> int:
        if self.cache.add(key, 1, timeout=window):
            return 1
        try:
            count = self.cache.incr(key)
        except ValueError:  # expired between add and incr
            self.cache.set(key, 1, timeout=window)
            return 1
        self.cache.touch(key, timeout=window)
        return count


def lockout_username(request: HttpRequest, credentials: dict | None) -> str | None:
    """AXES_USERNAME_CALLABLE: the login email, normalised as the User manager looks it up
    (tenants.emails: NFKC, case-folded), so `Admin@x`, `admin@x` and full-width `ａｄｍｉｎ@x`
    share one failure counter. Works for the API (credentials from authenticate) and the admin
    login form (`username`)."""
    value = None
    if credentials:
        value = credentials.get("username") or credentials.get("email")
    if value is None:
        value = request.POST.get("username") or request.POST.get("email")
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        return normalize_email(value)
    except InvalidEmail:  # never a login; still counted, under the address as typed
        return value.strip().lower()


def lockout_response(request: HttpRequest, original_response: HttpResponse | None = None,
                     credentials: dict | None = None) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE. Our own login views already answered 429 (the API's JSON, the
    login page with a form error): keep their response. Other login forms (the Django admin)
    get the same message as JSON under /api/, else our login page."""
    if original_response is not None and original_response.status_code == 429:
        return original_response
    headers = {"Retry-After": str(lockout_seconds(request))}
    if request.path.startswith("/api/"):
        return JsonResponse({"error": "locked_out", "detail": lockout_message(request)}, status=429,
                            headers=headers)
    from tenants.forms import LoginForm

    form = LoginForm()
    form.cleaned_data = {}  # an unbound form that shows one error
    form.add_error(None, lockout_message(request))
    response = render(request, "tenants/login.html", {"form": form}, status=429)
    response["Retry-After"] = headers["Retry-After"]
    return response


