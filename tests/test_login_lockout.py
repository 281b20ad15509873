"""Login lockout that an attacker cannot turn against a user (issue 11): the (account, address)
pair is locked, the account is only slowed down, and an address has a much higher ceiling.
Production limits (8 per pair, slowdown after 10 per account, 100 per address); the clock of the
slowdown is frozen and moved by hand, so no test sleeps."""

from __future__ import annotations

import pytest
from axes.handlers.proxy import AxesProxyHandler
from django.test import Client, RequestFactory
from rest_framework.test import APIClient

from tenants import lockout as hardening
from tenants.tests.factories import PASSWORD, staff_user

ATTACKER = "203.0.113.66"
USER_ADDRESS = "198.51.100.10"


class FrozenClock:
    def __init__(self) -> None:
        self.now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture(autouse=True)
def _production_limits(settings):
    settings.AXES_FAILURE_LIMIT = 8
    settings.LOGIN_ACCOUNT_SLOWDOWN_AFTER = 10
    settings.LOGIN_ACCOUNT_SLOWDOWN_MAX_SECONDS = 60
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 100
    # The per-address request throttle (20/min in production) is another rule; keep it out of the way.
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {
        **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "auth": "10000/min"}}


@pytest.fixture
def clock(monkeypatch) -> FrozenClock:
    frozen = FrozenClock()
    # raising=False: before issue 11 there was no slowdown clock, and these tests must fail on
    # what the login answers, not on a missing attribute.
    monkeypatch.setattr(hardening, "login_clock", frozen, raising=False)
    return frozen


def api(ip: str) -> APIClient:
    return APIClient(REMOTE_ADDR=ip)


def login(ip: str, email: str, password: str):
    return api(ip).post("/api/auth/login", {"email": email, "password": password}, format="json")


def distributed_failures(email: str, n: int, *, start: int = 0) -> list[int]:
    """n wrong passwords for `email`, each from its own address (a botnet)."""
    return [login(f"192.0.2.{start + i + 1}", email, "wrong-password").status_code for i in range(n)]


LOCKED = {"error": "locked_out", "detail": "Too many failed login attempts. Try again in 15 minutes."}


# --- the (account, address) pair ----------------------------------------------------------------

def test_an_attacker_hammering_an_account_from_one_address_does_not_lock_the_real_user_out(admin_a):
    statuses = [login(ATTACKER, admin_a.email, "wrong-password").status_code for _ in range(20)]
    assert statuses == [401] * 7 + [429] * 13  # the 8th failure locks the pair
    # The attacker's address is locked for this account, even with the right password ...
    r = login(ATTACKER, admin_a.email, PASSWORD)
    assert r.status_code == 429 and r.json() == LOCKED and r["Retry-After"] == "900"
    # ... and the real user, from their own address, logs straight in: no wait at all, because
    # refused attempts are not failures and one address cannot reach the account slowdown.
    assert login(USER_ADDRESS, admin_a.email.upper(), PASSWORD).status_code == 200


def test_a_locked_pair_does_not_lock_the_address_out_of_other_accounts(admin_a, editor_a):
    for _ in range(8):
        login(ATTACKER, admin_a.email, "wrong-password")
    assert login(ATTACKER, admin_a.email, PASSWORD).status_code == 429
    # The office behind the same address: a colleague logs into their own account.
    assert login(ATTACKER, editor_a.email, PASSWORD).status_code == 200


# --- the account: slowed down from any address, never locked -------------------------------------

def test_a_distributed_attack_slows_the_account_down_and_the_wait_caps_at_60_seconds(admin_a, clock):
    assert distributed_failures(admin_a.email, 10) == [401] * 10
    waits = []
    for i in range(8):
        r = login(f"203.0.113.{i + 1}", admin_a.email, "wrong-password")
        assert r.status_code == 429 and r.json()["error"] == "locked_out"
        waits.append(int(r["Retry-After"]))
        assert f"Try again in {waits[-1]} second" in r.json()["detail"] or waits[-1] == 60 and "Try again in 1 minute." in r.json()["detail"]
        # Refused attempts, from anywhere, are not failures: the wait does not grow.
        again = login(f"203.0.113.{i + 101}", admin_a.email, "wrong-password")
        assert again.status_code == 429 and again["Retry-After"] == str(waits[-1])
        clock.advance(waits[-1] - 1)
        assert login(f"203.0.113.{i + 201}", admin_a.email, "wrong-password")["Retry-After"] == "1"
        clock.advance(1)
        assert login(f"203.0.113.{i + 1}", admin_a.email, "wrong-password").status_code == 401
    assert waits == [1, 2, 4, 8, 16, 32, 60, 60]


def test_during_a_distributed_attack_the_real_user_waits_at_most_a_minute(admin_a, clock):
    failures = 0
    for i in range(1, 100):  # a patient botnet: 20 failures past the slowdown threshold
        r = login(f"192.0.2.{i}", admin_a.email, "wrong-password")
        if r.status_code == 429:
            clock.advance(int(r["Retry-After"]))
        elif (failures := failures + 1) == 30:
            break
    assert failures == 30
    r = login(USER_ADDRESS, admin_a.email, PASSWORD)
    assert r.status_code == 429 and r.json()["error"] == "locked_out"
    assert r.json()["detail"] == "Too many failed login attempts for this account. Try again in 1 minute."
    assert r["Retry-After"] == "60"
    clock.advance(60)
    assert login(USER_ADDRESS, admin_a.email, PASSWORD).status_code == 200


def test_attempts_arriving_together_after_the_wait_share_one_slot(admin_a, clock):
    distributed_failures(admin_a.email, 10)
    clock.advance(1)
    credentials = {"username": admin_a.email, "password": "wrong-password"}
    requests = [RequestFactory().post("/api/auth/login", REMOTE_ADDR=f"203.0.113.{i}") for i in (1, 2)]
    # Both pass the time check; only one gets to try a password.
    assert [AxesProxyHandler.is_allowed(r, credentials) for r in requests] == [True, False]
    assert hardening.lockout_seconds(requests[1]) == 1


def test_a_successful_login_resets_the_pair_but_not_the_account_wide_count(admin_a, clock):
    assert distributed_failures(admin_a.email, 9) == [401] * 9
    assert login(USER_ADDRESS, admin_a.email, PASSWORD).status_code == 200
    assert login("192.0.2.200", admin_a.email, "wrong-password").status_code == 401  # the 10th
    assert login("192.0.2.201", admin_a.email, "wrong-password")["Retry-After"] == "1"


def test_an_unknown_email_is_slowed_down_like_a_real_account(db, clock):
    # The slowdown message must not tell an attacker which emails have accounts.
    distributed_failures("nobody@a.example", 10)
    r = login(USER_ADDRESS, "nobody@a.example", PASSWORD)
    assert r.status_code == 429 and r["Retry-After"] == "1"


# --- the address: a much higher ceiling ---------------------------------------------------------

def test_an_address_is_locked_after_100_failures_across_accounts(admin_a, editor_a):
    for i in range(99):  # 25 accounts, 4 guesses each: never a pair lock nor an account slowdown
        assert login(ATTACKER, f"victim{i // 4}@a.example", "wrong-password").status_code == 401
    # A successful login from the address does not reset its count (an attacker could log into
    # an account of their own between rounds).
    assert login(ATTACKER, editor_a.email, PASSWORD).status_code == 200
    r = login(ATTACKER, "victim99@a.example", "wrong-password")  # the 100th failure
    assert r.status_code == 429 and r.json() == LOCKED
    r = login(ATTACKER, admin_a.email, PASSWORD)
    assert r.status_code == 429 and r.json() == LOCKED and r["Retry-After"] == "900"
    assert login(USER_ADDRESS, admin_a.email, PASSWORD).status_code == 200


# --- every login door obeys the same rules ------------------------------------------------------

def test_login_page_admin_login_and_api_share_the_pair_lock(db):
    staff = staff_user()
    attacker = Client(REMOTE_ADDR=ATTACKER)
    statuses = [attacker.post("/login", {"email": staff.email, "password": "nope"}).status_code
                for _ in range(4)]
    statuses += [attacker.post("/admin/login/", {"username": staff.email, "password": "nope"}).status_code
                 for _ in range(4)]
    assert statuses == [400] * 4 + [200] * 3 + [429]  # the admin's own form, then the 8th failure
    r = attacker.post("/admin/login/", {"username": staff.email, "password": PASSWORD})
    assert r.status_code == 429 and r["Retry-After"] == "900"
    assert "Too many failed login attempts. Try again in 15 minutes." in r.content.decode()
    assert login(ATTACKER, staff.email, PASSWORD).status_code == 429
    # The real staff member, elsewhere: both forms let them in.
    r = Client(REMOTE_ADDR=USER_ADDRESS).post("/admin/login/", {"username": staff.email, "password": PASSWORD})
    assert r.status_code == 302
    r = Client(REMOTE_ADDR=USER_ADDRESS).post("/login", {"email": staff.email, "password": PASSWORD})
    assert r.status_code == 302


def test_login_page_and_admin_login_show_the_slowdown(db, clock):
    staff = staff_user()
    for i in range(5):
        Client(REMOTE_ADDR=f"192.0.2.{i + 1}").post("/login", {"email": staff.email, "password": "nope"})
        Client(REMOTE_ADDR=f"192.0.2.{i + 101}").post("/admin/login/", {"username": staff.email, "password": "nope"})
    user = Client(REMOTE_ADDR=USER_ADDRESS)
    for r in (user.post("/login", {"email": staff.email, "password": PASSWORD}),
              user.post("/admin/login/", {"username": staff.email, "password": PASSWORD})):
        assert r.status_code == 429 and r["Retry-After"] == "1"
        assert "Too many failed login attempts for this account. Try again in 1 second." in r.content.decode()
        assert "_auth_user_id" not in user.session
    clock.advance(1)
    assert user.post("/admin/login/", {"username": staff.email, "password": PASSWORD}).status_code == 302


def test_production_lockout_settings():
    from outbound_impact import settings as production

    assert production.AXES_LOCKOUT_PARAMETERS == [["username", "ip_address"]]
    assert production.AXES_FAILURE_LIMIT == 8
    assert (production.LOGIN_ACCOUNT_SLOWDOWN_AFTER, production.LOGIN_ACCOUNT_SLOWDOWN_MAX_SECONDS) == (10, 60)
    assert production.LOGIN_ADDRESS_FAILURE_LIMIT == 100
