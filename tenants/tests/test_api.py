import json

import pytest
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import AccessToken

from tenants.models import ActivityLog, Organization, User

REG = {
    "company_name": "Pizza Palace Inc",
    "company_email": "owner@pizzapalace.com",
    "full_name": "John Smith",
    "email": "john@pizzapalace.com",
    "password": "securepass123!",
    "plan_type": "small_business",
    "phone": "+1-555-0123",
    "billing_address": "123 Main St, Chicago, IL",
}


@pytest.fixture
def client():
    return APIClient()


@pytest.mark.django_db
def test_register_creates_org_and_admin_and_returns_seed_shape(client):
    r = client.post("/api/auth/register", REG, format="json")
    assert r.status_code == 201, r.content
    body = r.json()
    assert set(body) == {"token", "refresh", "user"}
    org = Organization.objects.get()
    assert (org.plan_type, org.max_contributors, org.max_qr_codes, org.storage_limit_gb, str(org.monthly_price)) == (
        "small_business", 3, 5, 250, "0.00")
    user = User.objects.get(email="john@pizzapalace.com")
    assert user.role == "Admin" and user.organization == org
    assert user.password.startswith("argon2") or user.password.startswith("md5")
    assert body["user"] == {
        "id": str(user.pk), "email": "john@pizzapalace.com", "full_name": "John Smith", "role": "Admin",
        "organization_id": str(org.pk), "plan_type": "small_business",
    }
    claims = AccessToken(body["token"])
    assert (claims["organization_id"], claims["role"], claims["plan_type"]) == (str(org.pk), "Admin", "small_business")


def test_passwords_are_hashed_with_argon2_in_production_settings():
    from django.conf import settings

    from outbound_impact import settings as prod

    assert prod.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
    assert "Argon2PasswordHasher" in " ".join(settings.PASSWORD_HASHERS)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "change, field",
    [
        ({"plan_type": "platinum"}, "plan_type"),
        ({"password": "123"}, "password"),
        ({"email": "not-an-email"}, "email"),
        ({"company_name": ""}, "company_name"),
    ],
)
def test_register_bad_input_is_400_and_writes_nothing(client, change, field):
    r = client.post("/api/auth/register", {**REG, **change}, format="json")
    assert r.status_code == 400
    body = r.json()
    assert body["error"] == "validation_error" and field in body["detail"]
    assert Organization.objects.count() == 0 and User.objects.count() == 0


@pytest.mark.django_db
def test_register_duplicate_email_case_insensitive(client):
    assert client.post("/api/auth/register", REG, format="json").status_code == 201
    r = client.post("/api/auth/register", {**REG, "email": "JOHN@PizzaPalace.com"}, format="json")
    assert r.status_code == 400 and "email" in r.json()["detail"]
    assert Organization.objects.count() == 1


@pytest.mark.django_db
def test_malformed_json_is_400(client):
    r = client.post("/api/auth/register", data="{not json", content_type="application/json")
    assert r.status_code == 400 and r.json()["error"] == "parse_error"
    r = client.post("/api/auth/login", data=json.dumps([1, 2]), content_type="application/json")
    assert r.status_code == 400 and r.json()["error"] == "invalid_body"


@pytest.mark.django_db
def test_login_records_and_returns_same_shape(client):
    client.post("/api/auth/register", REG, format="json")
    r = client.post("/api/auth/login", {"email": "John@pizzapalace.com", "password": REG["password"]},
                    format="json", REMOTE_ADDR="81.2.69.160")
    assert r.status_code == 200, r.content
    assert set(r.json()) == {"token", "refresh", "user"}
    user = User.objects.get(email="john@pizzapalace.com")
    assert user.login_count == 1 and user.last_login_at is not None
    assert user.last_login_ip == "81.2.69.160"
    assert "United Kingdom" in user.last_login_location  # from the real GeoLite2 database
    log = ActivityLog.objects.unscoped().filter(action="login").get()
    assert log.ip_address == "81.2.69.160" and log.user == user


@pytest.mark.django_db
def test_wrong_password_is_401(client):
    client.post("/api/auth/register", REG, format="json")
    r = client.post("/api/auth/login", {"email": REG["email"], "password": "wrong"}, format="json")
    assert r.status_code == 401
    assert r.json() == {"error": "invalid_credentials", "detail": "Invalid email or password."}


@pytest.mark.django_db
def test_suspended_org_or_user_cannot_log_in(client):
    client.post("/api/auth/register", REG, format="json")
    Organization.objects.update(status="suspended")
    r = client.post("/api/auth/login", {"email": REG["email"], "password": REG["password"]}, format="json")
    assert r.status_code == 401 and r.json()["error"] == "organization_suspended"
    Organization.objects.update(status="active")
    User.objects.update(status="suspended")
    r = client.post("/api/auth/login", {"email": REG["email"], "password": REG["password"]}, format="json")
    assert r.status_code == 401 and r.json()["error"] == "account_inactive"


@pytest.mark.django_db
def test_refresh_rotates_and_old_refresh_is_blacklisted(client):
    body = client.post("/api/auth/register", REG, format="json").json()
    r = client.post("/api/auth/refresh", {"refresh": body["refresh"]}, format="json")
    assert r.status_code == 200 and r.json()["refresh"] != body["refresh"]
    again = client.post("/api/auth/refresh", {"refresh": body["refresh"]}, format="json")
    assert again.status_code == 401 and again.json()["error"] == "token_not_valid"


@pytest.mark.django_db
def test_logout_blacklists_refresh(client):
    body = client.post("/api/auth/register", REG, format="json").json()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {body['token']}")
    assert client.post("/api/auth/logout", {"refresh": body["refresh"]}, format="json").status_code == 205
    client.credentials()
    r = client.post("/api/auth/refresh", {"refresh": body["refresh"]}, format="json")
    assert r.status_code == 401


@pytest.mark.django_db
def test_unknown_api_path_is_json_404(client):
    r = client.get("/api/nope")
    assert r.status_code == 404 and r.json()["error"] == "not_found"


@pytest.mark.django_db
def test_healthz_reports_database_and_redis(client):
    r = client.get("/healthz")
    assert r.status_code == 200
    assert r.json()["database"] == "ok" and r.json()["redis"] == "ok"
