"""Abuse limits as a user meets them: login lockout (the account-and-address pair and the
address ceiling, API, pages and the admin login; the account slowdown is in test_login_lockout), registration and API rate limits with their 429 shapes, the /s/ flood limit
(bounded events), and the JWT lifecycle (short access, rotating refresh, blacklist on logout)."""

from __future__ import annotations

import time
from datetime import timedelta
from types import SimpleNamespace

import pytest
from axes.handlers.proxy import AxesProxyHandler
from django.core.cache import caches
from django.test import Client
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken

from core.scoping import bind_organization
from core.throttles import redis_breaker
from qrcodes.models import ScanEvent
from qrcodes.services import qr_code_create
from tenants.tests.factories import PASSWORD, UserFactory
from tenants.tokens import tokens_for

DEAD_REDIS = "redis://127.0.0.1:1/0"  # nothing listens on port 1
IPHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 16_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148"


@pytest.fixture(autouse=True)
def _small_limits(settings):
    settings.AXES_FAILURE_LIMIT = 3
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {
        **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "auth": "100/min"}}
    caches["scan_lookup"].clear()
    redis_breaker.reset()
    yield
    caches["scan_lookup"].clear()
    redis_breaker.reset()


def api(ip: str = "198.51.100.10") -> APIClient:
    return APIClient(REMOTE_ADDR=ip)


def login(client, email: str, password: str):
    return client.post("/api/auth/login", {"email": email, "password": password}, format="json")


# --- login lockout ------------------------------------------------------------------------------

def test_api_locks_an_account_from_one_address_even_with_the_right_password(admin_a):
    client = api("198.51.100.3")
    for _ in range(2):
        r = login(client, admin_a.email, "wrong-password")
        assert r.status_code == 401 and r.json()["error"] == "invalid_credentials"
    r = login(client, admin_a.email, "wrong-password")  # the 3rd failure locks the pair
    assert r.status_code == 429 and r.json()["error"] == "locked_out"
    # From the same address, with the right password, whatever the case: locked.
    r = login(client, admin_a.email.upper(), PASSWORD)
    assert r.status_code == 429
    assert r.json() == {"error": "locked_out",
                        "detail": "Too many failed login attempts. Try again in 15 minutes."}
    assert r["Retry-After"] == "900"
    # From another address: the account itself is not locked.
    assert login(api("198.51.100.99"), admin_a.email, PASSWORD).status_code == 200


def test_api_locks_an_address_that_tries_many_accounts(org_a, settings):
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 3  # production: 100 (test_login_lockout)
    users = [UserFactory(organization=org_a, email=f"u{i}@a.example") for i in range(4)]
    attacker = api("203.0.113.66")
    assert [login(attacker, u.email, "wrong-password").status_code for u in users[:3]] == [401, 401, 429]
    r = login(attacker, users[3].email, PASSWORD)
    assert r.status_code == 429 and r.json()["error"] == "locked_out"
    # The same account from another address is fine: only the address is locked.
    assert login(api("198.51.100.7"), users[3].email, PASSWORD).status_code == 200


def test_a_successful_login_resets_the_count(admin_a):
    client = api()
    for _ in range(2):
        login(client, admin_a.email, "wrong-password")
    assert login(client, admin_a.email, PASSWORD).status_code == 200
    for _ in range(2):
        assert login(client, admin_a.email, "wrong-password").status_code == 401
    assert login(client, admin_a.email, PASSWORD).status_code == 200


def test_the_lockout_ends_after_the_cool_off(admin_a, settings):
    settings.AXES_COOLOFF_TIME = timedelta(seconds=1)
    client = api()
    for _ in range(3):
        login(client, admin_a.email, "wrong-password")
    assert login(client, admin_a.email, PASSWORD).status_code == 429
    time.sleep(1.1)  # the refused attempt did not restart the 1 s cool-off
    assert login(client, admin_a.email, PASSWORD).status_code == 200


def test_login_page_shows_the_lockout_as_a_form_error(admin_a):
    client = Client(REMOTE_ADDR="198.51.100.20")
    statuses = [client.post("/login", {"email": admin_a.email, "password": "wrong-password"}).status_code
                for _ in range(3)]
    assert statuses == [400, 400, 429]
    r = client.post("/login", {"email": admin_a.email, "password": PASSWORD})
    assert r.status_code == 429
    assert r["Retry-After"] == "900"
    assert "Too many failed login attempts. Try again in 15 minutes." in r.content.decode()
    assert "_auth_user_id" not in client.session


def test_admin_login_is_locked_too(db, django_user_model):
    django_user_model.objects.create_superuser("staff@outboundimpact.com", PASSWORD)
    client = Client(REMOTE_ADDR="198.51.100.30")
    for _ in range(2):
        r = client.post("/admin/login/", {"username": "staff@outboundimpact.com", "password": "nope"})
        assert r.status_code == 200  # the admin's own "enter a correct email" form
    r = client.post("/admin/login/", {"username": "Staff@OutboundImpact.com", "password": "nope"})
    assert r.status_code == 429  # the 3rd failure, whatever the case of the email
    r = client.post("/admin/login/", {"username": "staff@outboundimpact.com", "password": PASSWORD})
    assert r.status_code == 429
    assert "Too many failed login attempts" in r.content.decode()
    # ... and from that address on /login as well; from another address the account is open.
    assert client.post("/login", {"email": "staff@outboundimpact.com", "password": PASSWORD}).status_code == 429
    assert Client(REMOTE_ADDR="198.51.100.31").post(
        "/login", {"email": "staff@outboundimpact.com", "password": PASSWORD}).status_code == 302


@pytest.fixture
def lockout_store_down(settings):
    settings.CACHES = {**settings.CACHES, "default": {**settings.CACHES["default"], "LOCATION": DEAD_REDIS}}
    AxesProxyHandler.get_implementation(force=True)  # it holds its cache; take the dead one
    yield
    AxesProxyHandler.implementation = None


def test_login_with_the_lockout_store_down_is_a_clear_503(admin_a, lockout_store_down):
    r = login(api(), admin_a.email, PASSWORD)
    assert r.status_code == 503 and r.json()["error"] == "service_unavailable"
    r = Client().post("/login", {"email": admin_a.email, "password": PASSWORD})
    assert r.status_code == 503 and "briefly unavailable" in r.content.decode()


def test_the_console_login_with_the_lockout_store_down_is_a_503_not_a_500(db, lockout_store_down):
    r = Client(raise_request_exception=False).post(
        "/admin/login/", {"username": "staff@outboundimpact.com", "password": PASSWORD})
    assert r.status_code == 503 and r["Retry-After"]


# --- registration and API throttles -------------------------------------------------------------

def registration(i: int) -> dict:
    return {"company_name": f"Co {i}", "company_email": f"hq{i}@co.example", "full_name": "Ann Owner",
            "email": f"ann{i}@co.example", "password": "a-long-passphrase-9", "plan_type": "small_business"}


def test_api_registration_is_rate_limited_per_address(db, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {
        **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "register": "2/hour"}}
    client = api("203.0.113.5")
    for i in range(2):
        assert client.post("/api/auth/register", registration(i), format="json").status_code == 201
    r = client.post("/api/auth/register", registration(3), format="json")
    assert r.status_code == 429
    body = r.json()
    assert body["error"] == "throttled" and body["detail"] in ("Too many requests. Try again in 1 hour.", "Too many requests. Try again in 59 minutes.")
    assert 3000 < int(r["Retry-After"]) <= 3600
    # A forged X-Forwarded-For does not reset the count (no trusted proxy is configured).
    r = api("203.0.113.5").post("/api/auth/register", registration(4), format="json",
                                HTTP_X_FORWARDED_FOR="192.0.2.1")
    assert r.status_code == 429
    assert api("203.0.113.6").post("/api/auth/register", registration(5), format="json").status_code == 201


def test_registration_page_is_rate_limited_too(db, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {
        **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "register": "1/hour"}}
    client = Client(REMOTE_ADDR="203.0.113.8")
    assert client.get("/register").status_code == 200  # looking at the form is free
    assert client.post("/register", registration(1)).status_code == 302
    client = Client(REMOTE_ADDR="203.0.113.8")
    r = client.post("/register", registration(2))
    assert r.status_code == 429 and int(r["Retry-After"]) > 3000
    assert "Too many attempts from your network" in r.content.decode()


def test_api_throttles_per_user_with_the_error_shape(api_a, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {
        **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "user": "3/min"}}
    for _ in range(3):
        assert api_a.get("/api/qrcodes").status_code == 200
    r = api_a.get("/api/qrcodes")
    assert r.status_code == 429
    assert r.json()["error"] == "throttled"
    assert 0 < int(r["Retry-After"]) <= 60


def test_api_throttles_anonymous_clients_per_address(qr_a, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {
        **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "auth": "2/min"}}
    client = api("203.0.113.9")
    for _ in range(2):
        client.post("/api/auth/refresh", {"refresh": "x"}, format="json")
    r = client.post("/api/auth/refresh", {"refresh": "x"}, format="json")
    assert r.status_code == 429 and r.json()["error"] == "throttled"


def test_production_rates_are_realistic(settings):
    from outbound_impact import settings as production

    rates = production.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]
    assert rates == {"auth": "20/min", "user": "600/min", "anon": "120/min", "register": "10/hour",
                     "password_reset": "10/hour", "password_reset_address": "3/hour"}
    assert production.REST_FRAMEWORK["DEFAULT_THROTTLE_CLASSES"] == [
        "core.throttles.AnonThrottle", "core.throttles.UserThrottle"]
    assert (production.AXES_FAILURE_LIMIT, production.AXES_COOLOFF_TIME) == (8, timedelta(minutes=15))
    assert (production.SCAN_FLOOD_LIMIT, production.SCAN_FLOOD_WINDOW_SECONDS) == (120, 60)


def test_throttles_fail_open_quickly_when_redis_is_down(api_a, settings):
    settings.CACHES = {**settings.CACHES, "default": {**settings.CACHES["default"], "LOCATION": DEAD_REDIS}}
    started = time.perf_counter()
    for _ in range(5):
        assert api_a.get("/api/qrcodes").status_code == 200
    assert time.perf_counter() - started < 3.0
    assert redis_breaker.is_open()


# --- /s/ flood ----------------------------------------------------------------------------------

@pytest.fixture
def qr_a(org_a, admin_a):
    with bind_organization(org_a):
        return qr_code_create(organization=org_a, actor=admin_a,
                              data={"name": "Door", "qr_url": "https://pizzapalace.com/menu"})


def test_a_scan_flood_from_one_address_is_cut_off_and_recorded_at_most_n_times(qr_a, settings, monkeypatch):
    settings.SCAN_FLOOD_LIMIT = 5
    # The window is a fixed minute: a clock in its middle keeps the 12 scans in one window (a
    # run that crossed a minute boundary saw the count start again: a flaky failure under load).
    monkeypatch.setattr("qrcodes.scanning.time", SimpleNamespace(time=lambda: 1_800_000_030.0))
    phone = Client(REMOTE_ADDR="198.51.100.50", HTTP_USER_AGENT=IPHONE)
    statuses = [phone.get(f"/s/{qr_a.short_code}").status_code for _ in range(12)]
    assert statuses == [302] * 5 + [429] * 7
    r = phone.get(f"/s/{qr_a.short_code}")
    assert r.status_code == 429 and "Location" not in r
    assert "Slow down a little" in r.content.decode()
    assert 0 < int(r["Retry-After"]) <= 60
    assert ScanEvent.all_orgs.count() == 5
    # Another phone is not affected.
    other = Client(REMOTE_ADDR="198.51.100.51", HTTP_USER_AGENT=IPHONE)
    assert other.get(f"/s/{qr_a.short_code}").status_code == 302
    assert ScanEvent.all_orgs.count() == 6


def test_the_scan_api_shares_the_flood_limit(qr_a, settings):
    settings.SCAN_FLOOD_LIMIT = 2
    phone = Client(REMOTE_ADDR="198.51.100.60")
    assert phone.get(f"/s/{qr_a.short_code}").status_code == 302
    assert phone.get(f"/api/qrcodes/scan/{qr_a.pk}").status_code == 200
    r = phone.get(f"/api/qrcodes/scan/{qr_a.pk}")
    assert r.status_code == 429 and r.json()["error"] == "throttled" and int(r["Retry-After"]) > 0
    assert ScanEvent.all_orgs.count() == 2


def test_the_flood_window_ends(qr_a, settings):
    settings.SCAN_FLOOD_LIMIT = 1
    settings.SCAN_FLOOD_WINDOW_SECONDS = 1
    phone = Client(REMOTE_ADDR="198.51.100.70")
    first = phone.get(f"/s/{qr_a.short_code}").status_code
    time.sleep(1.05)  # the next window starts within a second whatever the phase
    assert first == 302
    assert phone.get(f"/s/{qr_a.short_code}").status_code == 302


# --- JWT ----------------------------------------------------------------------------------------

def test_access_tokens_are_short_lived(admin_a, settings):
    token = AccessToken(tokens_for(admin_a)["token"])
    assert token["exp"] - token["iat"] == 15 * 60
    assert settings.SIMPLE_JWT["ROTATE_REFRESH_TOKENS"] and settings.SIMPLE_JWT["BLACKLIST_AFTER_ROTATION"]


def test_an_expired_access_token_is_refused(admin_a):
    token = AccessToken(tokens_for(admin_a)["token"])  # valid in every other way
    token.set_exp(lifetime=-timedelta(seconds=1))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    r = client.get("/api/qrcodes")
    assert r.status_code == 401


def test_refresh_rotates_and_logout_blacklists_every_refresh_token(admin_a):
    client = api()
    first = login(client, admin_a.email, PASSWORD).json()
    rotated = client.post("/api/auth/refresh", {"refresh": first["refresh"]}, format="json").json()
    assert rotated["refresh"] != first["refresh"] and rotated["access"]
    reused = client.post("/api/auth/refresh", {"refresh": first["refresh"]}, format="json")
    assert reused.status_code == 401  # the rotated-away token is blacklisted ...
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {rotated['access']}")
    assert client.get("/api/qrcodes").status_code == 401  # ... and its reuse revoked the family
    client.credentials()
    second = login(client, admin_a.email, PASSWORD).json()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {second['token']}")
    assert client.post("/api/auth/logout", {"refresh": second["refresh"]}, format="json").status_code == 205
    client.credentials()
    r = client.post("/api/auth/refresh", {"refresh": second["refresh"]}, format="json")
    assert r.status_code == 401
