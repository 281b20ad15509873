"""Signal receivers of the tenants app, connected in TenantsConfig.ready. Each only hands over
to a service; the rule lives in the service."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from core.client_ip import client_ip


def login_recorded(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    """Every successful login counts (login_count, last_login_*, the activity row), whichever
    door it came through: /login, /admin/login/, sign-up, invite acceptance, the token login.
    The test client's force_login / login is not a login anyone made: it sends a bare
    HttpRequest (no method), which is skipped."""
    from tenants.services.auth import user_login_record

    if request is None or request.method is None:
        return
    user_login_record(user=user, ip_address=client_ip(request))
