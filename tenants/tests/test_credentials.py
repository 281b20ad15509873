"""Credentials end when they should: a password change, reset or deactivation voids every
session and token issued before it; a reused refresh token revokes its family; logout only
revokes the caller's own login; password-reset mails are rate limited."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from rest_framework.test import APIClient

from core.scoping import bind_organization
from tenants.models import User
from tenants.services import team_update
from tenants.tests.factories import PASSWORD, UserFactory
from tenants.tokens import tokens_for

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-new-Passphrase-2026"


def _login(user: User, password: str = PASSWORD) -> dict:
    r = APIClient().post("/api/auth/login", {"email": user.email, "password": password}, format="json")
    assert r.status_code == 200, r.content
    return r.json()


def _api(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    return client


def _refresh(raw: str):
    return APIClient().post("/api/auth/refresh", {"refresh": raw}, format="json")


def _session(user: User, password: str = PASSWORD) -> Client:
    client = Client()
    r = client.post("/login", {"email": user.email, "password": password})
    assert r.status_code == 302, r.content
    return client


def _all_dead(tokens: dict, sessions: list[Client]) -> None:
    assert _api(tokens["token"]).get("/api/qrcodes").status_code == 401
    assert _refresh(tokens["refresh"]).status_code == 401
    for s in sessions:
        r = s.get("/dashboard")
        assert r.status_code == 302 and r["Location"].startswith("/login")


def test_password_change_revokes_other_sessions_and_every_token(admin_a):
    tokens, other = _login(admin_a), _session(admin_a)
    me = _session(admin_a)
    r = me.post("/password-change", {"old_password": PASSWORD, "new_password1": NEW_PASSWORD,
                                      "new_password2": NEW_PASSWORD})
    assert r.status_code == 302, r.content
    _all_dead(tokens, [other])
    assert me.get("/dashboard").status_code == 200  # the browser that changed it stays in
    assert _api(_login(admin_a, NEW_PASSWORD)["token"]).get("/api/qrcodes").status_code == 200


def test_password_reset_revokes_every_session_and_token(admin_a, mailoutbox):
    tokens, other = _login(admin_a), _session(admin_a)
    Client().post("/password-reset", {"email": admin_a.email})
    link = re.search(r"/password-reset/[^/\s]+/[^/\s]+", mailoutbox[0].body).group(0)
    browser = Client()
    form = browser.get(link, follow=True)
    assert form.status_code == 200
    r = browser.post(form.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert r.status_code == 302, r.content
    _all_dead(tokens, [other])


def test_deactivation_revokes_and_reactivation_does_not_revive(org_a, admin_a, editor_a):
    tokens, session = _login(editor_a), _session(editor_a)
    with bind_organization(org_a):
        team_update(organization=org_a, actor=admin_a, user_id=editor_a.pk, status="deactivated")
        team_update(organization=org_a, actor=admin_a, user_id=editor_a.pk, status="active")
    _all_dead(tokens, [session])
    assert _api(_login(editor_a)["token"]).get("/api/qrcodes").status_code == 200


def test_staff_setting_a_password_in_the_console_revokes(admin_a):
    tokens = _login(admin_a)
    staff = UserFactory(organization=None, is_staff=True, is_superuser=True, email="root@oi.example")
    console = Client()
    console.force_login(staff)
    r = console.post(f"/admin/tenants/user/{admin_a.pk}/password/",
                     {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"})
    assert r.status_code == 302, r.content[:500]
    _all_dead(tokens, [])


def test_a_reused_refresh_token_revokes_its_family_only(admin_a):
    stolen = _login(admin_a)
    other_device = _login(admin_a)
    rotated = _refresh(stolen["refresh"]).json()  # the legitimate client rotates ...
    assert _api(rotated["access"]).get("/api/qrcodes").status_code == 200
    reuse = _refresh(stolen["refresh"])  # ... then the thief replays the old one
    assert reuse.status_code == 401 and reuse.json()["error"] == "token_not_valid"
    assert _refresh(rotated["refresh"]).status_code == 401  # the whole family is revoked
    assert _api(rotated["access"]).get("/api/qrcodes").status_code == 401
    assert _api(other_device["token"]).get("/api/qrcodes").status_code == 200  # another login lives
    assert _refresh(other_device["refresh"]).status_code == 200


def test_logout_revokes_only_the_callers_own_login(admin_a, admin_b):
    mine, theirs = _login(admin_a), _login(admin_b)
    r = _api(mine["token"]).post("/api/auth/logout", {"refresh": theirs["refresh"]}, format="json")
    assert r.status_code == 400 and r.json()["error"] == "invalid_token"
    assert _refresh(theirs["refresh"]).status_code == 200  # B's login is untouched
    assert _api(mine["token"]).post("/api/auth/logout", {"refresh": mine["refresh"]}, format="json").status_code == 205
    assert _refresh(mine["refresh"]).status_code == 401
    assert _api(mine["token"]).get("/api/qrcodes").status_code == 401  # its access token stops too


def test_logout_with_garbage_is_a_clear_400(admin_a):
    mine = _login(admin_a)
    for body in ({}, {"refresh": ""}, {"refresh": 5}, {"refresh": "not.a.token"}):
        r = _api(mine["token"]).post("/api/auth/logout", body, format="json")
        assert r.status_code == 400 and r.json()["error"] == "invalid_token", (body, r.content)


def test_a_token_from_before_the_generation_claim_is_refused(admin_a):
    from rest_framework_simplejwt.tokens import RefreshToken

    legacy = RefreshToken.for_user(admin_a)
    assert _api(str(legacy.access_token)).get("/api/qrcodes").status_code == 401
    assert _refresh(str(legacy)).status_code == 401


def test_password_reset_is_rate_limited_per_address_and_per_client(admin_a, mailoutbox, settings):
    rates = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK,
                               "DEFAULT_THROTTLE_RATES": {**rates, "password_reset": "6/hour",
                                                          "password_reset_address": "3/hour"}}
    for i in range(4):
        r = Client(REMOTE_ADDR=f"198.51.100.{i}").post("/password-reset", {"email": admin_a.email})
        assert r.status_code == 302  # the same answer every time: nothing told about the address
    assert len(mailoutbox) == 3  # per address: the fourth mail is not sent
    client = Client(REMOTE_ADDR="203.0.113.9")
    answers = [client.post("/password-reset", {"email": f"nobody{i}@a.example"}).status_code for i in range(7)]
    assert answers[:6] == [302] * 6 and answers[6] == 429  # per client


def test_a_hash_upgrade_on_login_is_not_a_password_change(org_a, settings):
    """Django re-hashes a password with the first hasher when someone logs in; the same
    password must not log the user out everywhere else."""
    from django.contrib.auth.hashers import make_password

    user = UserFactory(organization=org_a, email="old-hash@a.example")
    User.objects.filter(pk=user.pk).update(password=make_password(PASSWORD, hasher="pbkdf2_sha256"))
    user.refresh_from_db()
    first = tokens_for(user)  # issued while the old hash is stored
    _login(user)  # re-hashed with the tests' first hasher here
    user.refresh_from_db()
    assert user.password.startswith("md5$")
    assert _api(first["token"]).get("/api/qrcodes").status_code == 200
    assert _refresh(first["refresh"]).status_code == 200
