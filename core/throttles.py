"""Rate limits and dependency outages shared by the API and the HTML pages (docs/reliability.md).

- Rate limits: DRF throttles that read their rates at call time, key anonymous clients by the
  address core.client_ip trusts (not a client-supplied X-Forwarded-For), and fail open for a
  few seconds when Redis is unreachable, so an outage never takes the API down.
  `rate_limit_wait` applies the same throttles to HTML form posts.
- Outages: any request that fails because PostgreSQL (or, outside the paths that handle it,
  Redis) is unreachable answers 503 (JSON under /api/, a friendly page elsewhere) with
  Retry-After, never a 500.
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

from django.core.signals import got_request_exception
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from redis.exceptions import RedisError
from rest_framework import throttling
from rest_framework.settings import api_settings

from core.client_ip import client_ip
from core.errors import DomainError
from core.humanize import wait_words
from core.outages import DATABASE_RETRY_AFTER, DATABASE_UNAVAILABLE

logger = logging.getLogger(__name__)



class ServiceUnavailable(DomainError):
    """A dependency (the lockout store, the database) is down: 503, try again shortly."""

    status_code = 503
    code = "service_unavailable"

    def __init__(self, detail: str, *, retry_after: int = DATABASE_RETRY_AFTER) -> None:
        super().__init__(detail)
        self.headers = {"Retry-After": str(retry_after)}


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


def throttled_detail(wait: float | None) -> str:
    """What a 429 says to the person: the wait in words (core.humanize.wait_words); the exact
    seconds stay in the Retry-After header."""
    if wait is None:
        return "Too many requests. Try again later."
    return f"Too many requests. Try again in {wait_words(wait)}."


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
