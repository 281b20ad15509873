"""Every login counts once (login_count, last_login_at/ip/location, the activity row), whichever
door it came through: the admin login page used to miss it (the tracking lived in the customer
views; it now runs on django.contrib.auth's user_logged_in, tenants.signals)."""

from __future__ import annotations

import pytest
from django.test import Client

from oi_admin.tests.conftest import client_for, make_staff
from tenants.models import ActivityLog, User
from tenants.tests.factories import PASSWORD, OrganizationFactory, UserFactory


@pytest.fixture
def customer(db) -> User:
    return UserFactory(organization=OrganizationFactory(company_name="Pizza"), email="john@pizza.example")


def _logins(user: User) -> tuple[int, int]:
    user.refresh_from_db()
    return user.login_count, ActivityLog.all_orgs.filter(action="login", user=user).count()


def test_admin_login_page_counts_a_staff_login_once(db):
    staff = make_staff("ops@outboundimpact.com", "admin")
    client = Client(REMOTE_ADDR="81.2.69.160")
    response = client.post("/admin/login/?next=/admin/", {"username": staff.email, "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/admin/"
    staff.refresh_from_db()
    assert staff.login_count == 1 and staff.last_login_at is not None
    assert staff.last_login_ip == "81.2.69.160"
    assert "United Kingdom" in staff.last_login_location  # the real GeoLite2 database
    assert client.get("/admin/").status_code == 200
    client.post("/admin/logout/")
    client.post("/admin/login/", {"username": staff.email, "password": PASSWORD})
    staff.refresh_from_db()
    assert staff.login_count == 2


def test_a_refused_admin_login_counts_nothing(db, customer):
    client = Client()
    # A customer is not staff: the admin login refuses them, and nothing is recorded.
    assert client.post("/admin/login/", {"username": customer.email, "password": PASSWORD}).status_code == 200
    staff = make_staff("ops@outboundimpact.com", "admin")
    client.post("/admin/login/", {"username": staff.email, "password": "wrong"})
    assert _logins(customer) == (0, 0) and _logins(staff)[0] == 0


def test_customer_login_still_counts_once(customer):
    client = Client()
    response = client.post("/login", {"email": customer.email, "password": PASSWORD})
    assert response.status_code == 302
    assert _logins(customer) == (1, 1)


def test_token_login_still_counts_once(customer):
    response = Client().post("/api/auth/login", {"email": customer.email, "password": PASSWORD},
                             content_type="application/json")
    assert response.status_code == 200
    assert _logins(customer) == (1, 1)


def test_the_test_clients_force_login_is_not_a_login(customer):
    client_for(customer)
    assert _logins(customer) == (0, 0)
