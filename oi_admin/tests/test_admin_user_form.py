"""The console's user forms (issue 11): a tenant user without an organization is a form error on
"organization", never an IntegrityError from the users_tenant_user_has_organization check."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from oi_admin.tests.conftest import client_for
from tenants.models import User
from tenants.tests.factories import OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Wide-Harbour-2026"


def add_form(**extra: str) -> dict[str, str]:
    data = {"email": "new@tenant.example", "full_name": "New", "organization": "", "role": "Viewer",
            "password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"}
    data.update(extra)
    return data


@pytest.mark.parametrize("who", ["superuser", "staff_admin"])
def test_add_user_without_organization_is_a_form_error(request, who):
    client: Client = client_for(request.getfixturevalue(who))
    client.raise_request_exception = False
    response = client.post("/admin/tenants/user/add/", add_form())
    assert response.status_code == 200, response.content[:300]
    errors = response.context["adminform"].form.errors
    assert "organization" in errors
    assert not User.objects.filter(email="new@tenant.example").exists()


def test_add_user_with_organization_still_works(superuser):
    org = OrganizationFactory(company_name="Has Users")
    response = client_for(superuser).post("/admin/tenants/user/add/", add_form(organization=str(org.pk)))
    assert response.status_code == 302
    assert User.objects.get(email="new@tenant.example").organization == org


def test_change_user_to_no_organization_is_a_form_error(superuser):
    org = OrganizationFactory(company_name="Has Users")
    user = UserFactory(organization=org, email="member@tenant.example")
    client = client_for(superuser)
    client.raise_request_exception = False
    form = {"email": user.email, "full_name": "Member", "organization": "", "role": "Viewer",
            "status": "active"}
    response = client.post(f"/admin/tenants/user/{user.pk}/change/", form)
    assert response.status_code == 200, response.content[:300]
    assert "organization" in response.context["adminform"].form.errors
    user.refresh_from_db()
    assert user.organization == org


def test_staff_without_organization_is_valid(superuser):
    response = client_for(superuser).post(f"/admin/tenants/user/{superuser.pk}/change/", {
        "email": superuser.email, "full_name": "Root", "organization": "", "role": "Viewer",
        "status": "active", "is_staff": "on", "is_superuser": "on",
    })
    assert response.status_code == 302


def test_model_clean_names_the_organization_field():
    with pytest.raises(ValidationError) as err:
        User(email="x@y.example").clean()
    assert "organization" in err.value.message_dict
    User(email="x@y.example", is_staff=True).clean()


def test_console_user_forms_normalise_the_email_and_refuse_invisible_characters(superuser):
    """Issue 11: look-alike identities. The console's add and change forms use the same
    normalisation as sign-up (tenants.emails): NFKC, case-folded, no invisible characters."""
    org = OrganizationFactory(company_name="Has Users")
    existing = UserFactory(organization=org, email="member@tenant.example")
    client = client_for(superuser)
    client.raise_request_exception = False
    response = client.post("/admin/tenants/user/add/", add_form(email="new@tenant.example\u200b", organization=str(org.pk)))
    assert response.status_code == 200 and "email" in response.context["adminform"].form.errors
    response = client.post("/admin/tenants/user/add/", add_form(email="ＭＥＭＢＥＲ@tenant.example", organization=str(org.pk)))
    assert response.status_code == 200 and "email" in response.context["adminform"].form.errors
    response = client.post("/admin/tenants/user/add/", add_form(email="ＮＥＷ@Tenant.example", organization=str(org.pk)))
    assert response.status_code == 302
    assert User.objects.filter(email="new@tenant.example", organization=org).exists()
    form = {"email": "member@tenant.example\u00ad", "full_name": "Member", "organization": str(org.pk),
            "role": "Viewer", "status": "active"}
    response = client.post(f"/admin/tenants/user/{existing.pk}/change/", form)
    assert response.status_code == 200 and "email" in response.context["adminform"].form.errors
    existing.refresh_from_db()
    assert existing.email == "member@tenant.example"
