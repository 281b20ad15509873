import pytest

from tenants.models import ActivityLog, Organization, User
from tenants.tests.factories import PASSWORD, staff_user

FORM = {
    "company_name": "Bob's Burgers", "company_email": "bob@burgers.example", "full_name": "Bob Belcher",
    "email": "bob@burgers.example", "password": "Burger-of-the-day-9", "plan_type": "medium_business",
    "phone": "", "billing_address": "",
}


@pytest.mark.django_db
def test_register_page_creates_org_and_lands_on_dashboard(client):
    assert client.get("/register").status_code == 200
    r = client.post("/register", FORM, follow=True)
    # a paid plan is requested, not granted: the Plan page shows the request (tenants/tests/test_plan_changes.py)
    assert r.redirect_chain[-1][0] == "/plan"
    assert b"Bob Belcher" in r.content and b"Medium business is requested" in r.content
    org = Organization.objects.get()
    assert org.monthly_price == 0 and org.plan_type == "small_business"


@pytest.mark.django_db
def test_register_form_errors_are_shown_and_nothing_is_written(client):
    r = client.post("/register", {**FORM, "password": "password"})
    assert r.status_code == 400 and b"too common" in r.content
    assert Organization.objects.count() == 0


@pytest.mark.django_db
def test_login_logout_and_login_required(client, admin_a):
    assert client.get("/dashboard").status_code == 302
    r = client.post("/login", {"email": admin_a.email, "password": PASSWORD})
    assert r.status_code == 302 and r["Location"] == "/dashboard"
    assert client.get("/dashboard").status_code == 200
    assert ActivityLog.objects.unscoped().filter(action="login", user=admin_a).count() == 1
    client.post("/logout")
    assert client.get("/dashboard").status_code == 302


@pytest.mark.django_db
def test_wrong_password_shows_form_error(client, admin_a):
    r = client.post("/login", {"email": admin_a.email, "password": "nope"})
    assert r.status_code == 400 and b"Invalid email or password" in r.content


@pytest.mark.django_db
def test_staff_login_goes_to_console_and_dashboard_refuses(client):
    staff = staff_user()
    r = client.post("/login", {"email": staff.email, "password": PASSWORD})
    assert r["Location"] == "/admin/"
    assert client.get("/dashboard").status_code == 403


@pytest.mark.django_db
def test_password_reset_sends_mail(client, admin_a, mailoutbox):
    r = client.post("/password-reset", {"email": admin_a.email})
    assert r.status_code == 302 and len(mailoutbox) == 1
    assert "/password-reset/" in mailoutbox[0].body


@pytest.mark.django_db
def test_seed_demo_is_idempotent(settings):
    from django.core.management import call_command

    call_command("seed_demo")
    call_command("seed_demo")
    # the three demo customers (and the demo's generated businesses, demo/businesses.py), once
    assert Organization.objects.exclude(company_email__endswith=".demo-business.example").count() == 3
    john = User.objects.get(email="john@pizzapalace.com")
    assert john.check_password(settings.DEMO_PASSWORD) and john.organization.plan_type == "small_business"
    assert User.objects.get(email="admin@outboundimpact.com").is_superuser
    analyst = User.objects.get(email="analyst@outboundimpact.com")
    assert analyst.is_staff and not analyst.is_superuser
    assert list(analyst.groups.values_list("name", flat=True)) == ["analyst"]
