"""Abuse limits and fault handling shared by the API and the HTML pages (docs/reliability.md).

- Login lockout: django-axes locks an (account, address) pair; LockoutHandler adds a progressive
  slowdown per account and a much higher ceiling per address (counters in Redis), so an attacker
  cannot lock a user, or everyone behind a shared address, out.
- Rate limits: DRF throttles that read their rates at call time, key anonymous clients by the
  address outbound_impact.client_ip trusts (not a client-supplied X-Forwarded-For), and fail
  open for a few seconds when Redis is unreachable, so an outage never takes the API down.
  `rate_limit_wait` applies the same throttles to HTML form posts.
- Database outages: any request that fails because PostgreSQL is unreachable answers 503
  (JSON under /api/, a friendly page elsewhere) with Retry-After, never a 500.
"""

from __future__ import annotations

import hashlib
import logging
import math
import sys
import threading
import time
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

from axes.backends import AxesStandaloneBackend
from axes.handlers.cache import AxesCacheHandler
from axes.helpers import get_cache_timeout, get_client_username
from django.conf import settings
from django.core.signals import got_request_exception
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from redis.exceptions import RedisError
from rest_framework import throttling
from rest_framework.settings import api_settings

from outbound_impact.client_ip import client_ip
from outbound_impact.outages import DATABASE_RETRY_AFTER, DATABASE_UNAVAILABLE
from tenants.emails import InvalidEmail, normalize_email
from tenants.errors import DomainError

logger = logging.getLogger(__name__)



class LockedOut(DomainError):
    """Too many failed logins for this account from this address, from this address, or (a
    slowdown) for this account: 429 with Retry-After."""

    status_code = 429
    code = "locked_out"

    def __init__(self, detail: str, *, retry_after: int) -> None:
        super().__init__(detail)
        self.headers = {"Retry-After": str(retry_after)}


class ServiceUnavailable(DomainError):
    """A dependency (the lockout store, the database) is down: 503, try again shortly."""

    status_code = 503
    code = "service_unavailable"

    def __init__(self, detail: str, *, retry_after: int = DATABASE_RETRY_AFTER) -> None:
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
        unit = "second" if slowdown == 1 else "seconds"
        return f"Too many failed login attempts for this account. Try again in {slowdown} {unit}."
    minutes = max(1, math.ceil(lockout_seconds() / 60))
    return f"Too many failed login attempts. Try again in {minutes} minutes."


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


# --- throttles ----------------------------------------------------------------------------------

class _RedisBreaker:
    """After a Redis failure, throttles skip Redis for `pause` seconds (they allow everything)
    instead of waiting for a socket timeout on every request."""

    def __init__(self, pause: float = 5.0) -> None:
        self.pause = pause
        self.open_until = 0.0
        self.lock = threading.Lock()

    def is_open(self) -> bool:
        return time.monotonic() < self.open_until

    def trip(self, err: Exception) -> None:
        with self.lock:
            if not self.is_open():
                logger.warning("rate limits paused for %.0fs: Redis unavailable (%s)", self.pause, err)
            self.open_until = time.monotonic() + self.pause

    def reset(self) -> None:
        self.open_until = 0.0


redis_breaker = _RedisBreaker()


class _FailOpenMixin:
    scope: str | None

    def get_rate(self) -> str | None:
        # Read at call time (DRF binds THROTTLE_RATES at import), so settings overrides apply.
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope) if self.scope else None

    def get_ident(self, request: Any) -> str:
        # DRF would trust the raw X-Forwarded-For; use the address our proxy settings trust.
        return client_ip(getattr(request, "_request", request)) or "unknown"

    def allow_request(self, request: Any, view: Any) -> bool:
        if redis_breaker.is_open():
            return True
        try:
            return super().allow_request(request, view)  # type: ignore[misc]
        except (RedisError, OSError) as err:
            redis_breaker.trip(err)
            return True


class AnonThrottle(_FailOpenMixin, throttling.AnonRateThrottle):
    """Per client address, for requests without a login (scope "anon")."""


class UserThrottle(_FailOpenMixin, throttling.UserRateThrottle):
    """Per user, or per address without a login (scope "user")."""


class ScopedThrottle(_FailOpenMixin, throttling.ScopedRateThrottle):
    """Per view scope ("auth", "register"), per user or address."""


class _KeyedThrottle(ScopedThrottle):
    """A scope's rate per key (an email address, ...) instead of per user or address."""

    def __init__(self, key: str) -> None:
        super().__init__()
        self.key = hashlib.sha256(key.encode()).hexdigest()

    def get_cache_key(self, request: Any, view: Any) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.key}


def rate_limit_wait(request: HttpRequest, scope: str, *, ident: str | None = None) -> int | None:
    """For HTML form posts: None when this request is within the `scope` rate (it is counted),
    else the seconds to wait. The same counters as the API's ScopedThrottle; with `ident`,
    the rate is per that key (e.g. per email address) instead of per client."""
    throttle = ScopedThrottle() if ident is None else _KeyedThrottle(ident)
    if throttle.allow_request(request, SimpleNamespace(throttle_scope=scope)):
        return None
    return max(1, math.ceil(throttle.wait() or 1))


# --- database outages ---------------------------------------------------------------------------

_DB_DOWN = (OperationalError, InterfaceError)


def _mark_database_failure(sender: Any, request: HttpRequest | None = None, **kwargs: Any) -> None:
    # Sent by Django while it turns an uncaught exception into a 500 (the exception is current).
    exc = sys.exc_info()[1]
    if request is not None and isinstance(exc, _DB_DOWN):
        request.database_unavailable = True


got_request_exception.connect(_mark_database_failure, dispatch_uid="oi-database-unavailable")


def database_unavailable_response(request: HttpRequest) -> HttpResponse:
    headers = {"Retry-After": str(DATABASE_RETRY_AFTER)}
    if request.path.startswith("/api/"):
        return JsonResponse(DATABASE_UNAVAILABLE, status=503, headers=headers)
    # No request context: its processors would query the database that is down.
    return HttpResponse(render_to_string("503.html"), status=503, headers=headers)


class DatabaseUnavailableMiddleware:
    """Turns a 500 caused by an unreachable database (raised in a view or in a middleware, e.g.
    loading the session) into a 503 with Retry-After. Connections broken by a restart are
    dropped by Django at the end of the request, so service resumes by itself."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code == 500 and getattr(request, "database_unavailable", False):
            return database_unavailable_response(request)
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, RedisError):
            # Paths that handle Redis themselves (throttles fail open, /login answers 503) never
            # get here; any other (the console's login through django-axes) is a 503, not a 500.
            logger.error("redis unavailable on %s: %s", request.path, exception)
            return database_unavailable_response(request)
        if isinstance(exception, _DB_DOWN):
            logger.error("database unavailable on %s: %s", request.path, exception)
            return database_unavailable_response(request)
        return None
