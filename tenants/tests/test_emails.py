"""Look-alike email addresses (issue 11): every door an email enters by normalises it (NFKC,
case-folded) and refuses invisible, format and control characters, so `john@pizzapalace.com`
plus a zero-width space can neither register a second account nor receive another one's mail."""

from __future__ import annotations

import pytest
from django.core import mail
from rest_framework.test import APIClient

from tenants.emails import InvalidEmail, normalize_email
from tenants.forms import PasswordResetForm
from tenants.lockout import lockout_username
from tenants.models import Organization, User
from tenants.tests.factories import PASSWORD, UserFactory

REG = {
    "company_name": "Pizza Palace Inc", "company_email": "owner@pizzapalace.com", "full_name": "John Smith",
    "email": "john@pizzapalace.com", "password": "securepass123!", "plan_type": "small_business",
}
FORM = {**REG, "phone": "", "billing_address": ""}
ZWSP, SOFT_HYPHEN, ZWJ, BOM, WORD_JOINER, RLO = "\u200b", "\u00ad", "\u200d", "\ufeff", "\u2060", "\u202e"
FULL_WIDTH_JOHN = "ｊｏｈｎ＠ｐｉｚｚａｐａｌａｃｅ．ｃｏｍ"  # NFKC: john@pizzapalace.com


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def john(db):
    client = APIClient()
    assert client.post("/api/auth/register", REG, format="json").status_code == 201
    return User.objects.get(email="john@pizzapalace.com")


# --- the one function -------------------------------------------------------------------------

@pytest.mark.parametrize("typed", [
    "john@pizzapalace.com", "  John@PizzaPalace.COM\t", "JOHN@PIZZAPALACE.COM", FULL_WIDTH_JOHN,
    "john@pizzapalace\uff0ecom",  # a full-width full stop
])
def test_normalize_email_folds_case_and_compatibility_forms(typed):
    assert normalize_email(typed) == "john@pizzapalace.com"


@pytest.mark.parametrize("typed", [
    f"john@pizzapalace.com{ZWSP}", f"jo{ZWSP}hn@pizzapalace.com", f"john@pizza{ZWSP}palace.com",
    f"jo{SOFT_HYPHEN}hn@pizzapalace.com", f"john@pizza{SOFT_HYPHEN}palace.com", f"john@pizza{ZWJ}palace.com",
    f"{BOM}john@pizzapalace.com", f"john{WORD_JOINER}@pizzapalace.com", f"john@{RLO}moc.ecalapazzip",
    "john@pizza\u200cpalace.com", "john@pizza\u2066palace.com", "jo hn@pizzapalace.com",
    "john@pizza\u00a0palace.com", "john\n@pizzapalace.com", "john@pizza\ufe0fpalace.com",
    "john@pizza\u3164palace.com", "john@pizza\u1806palace.com",
])
def test_normalize_email_refuses_invisible_format_and_control_characters(typed):
    with pytest.raises(InvalidEmail) as err:
        normalize_email(typed)
    assert isinstance(err.value, ValueError)  # the User manager's contract
    assert "U+" in err.value.detail or "valid email" in err.value.detail


def test_normalize_email_names_the_invisible_character():
    with pytest.raises(InvalidEmail) as err:
        normalize_email(f"john@pizzapalace.com{ZWSP}")
    assert "U+200B" in err.value.detail and "ZERO WIDTH SPACE" in err.value.detail


@pytest.mark.parametrize("typed", [None, 42, "", "   ", "not-an-email", "a@b@c.example", "x" * 250 + "@a.example"])
def test_normalize_email_refuses_what_is_not_an_address(typed):
    with pytest.raises(InvalidEmail):
        normalize_email(typed)


# --- registration: API and HTML ---------------------------------------------------------------

@pytest.mark.django_db
@pytest.mark.parametrize("email", [f"john@pizzapalace.com{ZWSP}", f"john@pizza{SOFT_HYPHEN}palace.com",
                                   f"john@pizza{ZWSP}palace.com"])
def test_register_api_refuses_an_invisible_character(api, john, email):
    r = api.post("/api/auth/register", {**REG, "email": email}, format="json")
    assert r.status_code == 400, r.content
    assert r.json()["error"] == "validation_error" and "email" in r.json()["detail"]
    assert Organization.objects.count() == 1 and User.objects.count() == 1


@pytest.mark.django_db
def test_register_api_full_width_look_alike_is_a_duplicate(api, john):
    r = api.post("/api/auth/register", {**REG, "email": FULL_WIDTH_JOHN}, format="json")
    assert r.status_code == 400
    assert r.json()["detail"] == {"email": "A user with this email already exists."}
    assert User.objects.count() == 1


@pytest.mark.django_db
def test_register_api_stores_the_normalised_addresses(api):
    r = api.post("/api/auth/register", {**REG, "email": "ＪＯＨＮ@PizzaPalace.com",
                                        "company_email": "Owner@ＰＩＺＺＡpalace.com"}, format="json")
    assert r.status_code == 201, r.content
    assert r.json()["user"]["email"] == "john@pizzapalace.com"
    assert Organization.objects.get().company_email == "owner@pizzapalace.com"


@pytest.mark.django_db
def test_register_api_refuses_an_invisible_character_in_company_email(api):
    r = api.post("/api/auth/register", {**REG, "company_email": f"owner@pizzapalace.com{ZWSP}"}, format="json")
    assert r.status_code == 400 and "company_email" in r.json()["detail"]
    assert Organization.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize("email", [f"john@pizzapalace.com{ZWSP}", f"john@pizza{SOFT_HYPHEN}palace.com"])
def test_register_page_refuses_an_invisible_character(client, john, email):
    r = client.post("/register", {**FORM, "email": email})
    assert r.status_code == 400
    assert "invisible" in r.content.decode()
    assert User.objects.count() == 1


@pytest.mark.django_db
def test_register_page_full_width_look_alike_is_a_duplicate(client, john):
    r = client.post("/register", {**FORM, "email": FULL_WIDTH_JOHN})
    assert r.status_code == 400 and "A user with this email already exists." in r.content.decode()
    assert User.objects.count() == 1


# --- login ------------------------------------------------------------------------------------

@pytest.mark.django_db
@pytest.mark.parametrize("typed", ["JOHN@PIZZAPALACE.COM", FULL_WIDTH_JOHN, " John@pizzapalace.com "])
def test_login_api_finds_the_user_by_any_normal_form(api, john, typed):
    r = api.post("/api/auth/login", {"email": typed, "password": REG["password"]}, format="json")
    assert r.status_code == 200, r.content
    assert r.json()["user"]["id"] == str(john.pk)


@pytest.mark.django_db
def test_login_api_with_an_invisible_character_is_not_found(api, john):
    r = api.post("/api/auth/login", {"email": f"john@pizzapalace.com{ZWSP}", "password": REG["password"]},
                 format="json")
    assert r.status_code == 401 and r.json()["error"] == "invalid_credentials"


@pytest.mark.django_db
def test_an_old_look_alike_account_cannot_log_in_with_its_invisible_address(api):
    # a row written before this fix (around the services): its address is refused at the door
    UserFactory(email=f"john@pizzapalace.com{ZWSP}")
    r = api.post("/api/auth/login", {"email": f"john@pizzapalace.com{ZWSP}", "password": PASSWORD}, format="json")
    assert r.status_code == 401


@pytest.mark.django_db
def test_login_page_accepts_the_full_width_form(client, john):
    r = client.post("/login", {"email": FULL_WIDTH_JOHN, "password": REG["password"]})
    assert r.status_code == 302 and r["Location"] == "/dashboard"


def test_lockout_counts_every_normal_form_of_one_address_together(rf):
    request = rf.post("/api/auth/login")
    keys = {lockout_username(request, {"username": typed})
            for typed in ("john@pizzapalace.com", "JOHN@pizzapalace.com", FULL_WIDTH_JOHN)}
    assert keys == {"john@pizzapalace.com"}


# --- the User manager -------------------------------------------------------------------------

@pytest.mark.django_db
def test_create_user_normalises_and_refuses_invisible_characters():
    assert User.objects.create_user("ＪＯＨＮ@Pizzapalace.com", PASSWORD, is_staff=True).email == "john@pizzapalace.com"
    with pytest.raises(ValueError):
        User.objects.create_user(f"jane@pizzapalace.com{ZWSP}", PASSWORD, is_staff=True)
    assert User.objects.get_by_natural_key(FULL_WIDTH_JOHN).email == "john@pizzapalace.com"
    with pytest.raises(User.DoesNotExist):
        User.objects.get_by_natural_key(f"john@pizzapalace.com{ZWSP}")


# --- team invitations: API and HTML -----------------------------------------------------------

def _invite(client, email):
    return client.post("/api/team", {"email": email, "full_name": "New", "role": "Editor"}, format="json")


@pytest.mark.django_db
@pytest.mark.parametrize("email", [f"new@a.example{ZWSP}", f"n{SOFT_HYPHEN}ew@a.example", f"new@a{ZWJ}.example"])
def test_invite_api_refuses_an_invisible_character(api_a, email):
    r = _invite(api_a, email)
    assert r.status_code == 400 and "email" in r.json()["detail"]
    assert not User.objects.filter(email__startswith="new@").exists()


@pytest.mark.django_db
def test_invite_api_full_width_look_alike_is_a_duplicate(api_a, admin_b):
    r = _invite(api_a, "ａｄｍｉｎ@ｂ.example")
    assert r.status_code == 400 and r.json()["detail"] == {"email": "A user with this email already exists."}


@pytest.mark.django_db
def test_invite_api_stores_and_mails_the_normalised_address(api_a, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        r = _invite(api_a, "ＮＥＷ@A.example")
    assert r.status_code == 201 and r.json()["email"] == "new@a.example"
    assert mail.outbox[-1].to == ["new@a.example"]


@pytest.mark.django_db
def test_invite_page_refuses_an_invisible_character(client, admin_a):
    client.force_login(admin_a)
    r = client.post("/team", {"email": f"web@a.example{ZWSP}", "full_name": "Web", "role": "Editor"})
    assert r.status_code == 400 and "invisible" in r.content.decode()
    assert not User.objects.filter(email__startswith="web@").exists()


@pytest.mark.django_db
def test_invite_page_full_width_look_alike_is_a_duplicate(client, admin_a, admin_b):
    client.force_login(admin_a)
    r = client.post("/team", {"email": "ＡＤＭＩＮ@b.example", "full_name": "Web", "role": "Editor"})
    assert r.status_code == 400 and "A user with this email already exists." in r.content.decode()


# --- password reset ---------------------------------------------------------------------------

@pytest.mark.django_db
@pytest.mark.parametrize("typed", ["ADMIN@A.EXAMPLE", "ａｄｍｉｎ@ａ.example"])
def test_password_reset_finds_the_user_by_any_normal_form(client, admin_a, mailoutbox, typed):
    r = client.post("/password-reset", {"email": typed})
    assert r.status_code == 302 and len(mailoutbox) == 1
    assert mailoutbox[0].to == ["admin@a.example"]


@pytest.mark.django_db
def test_password_reset_refuses_an_invisible_character_and_mails_nobody(client, admin_a, mailoutbox):
    UserFactory(email=f"admin@a.example{ZWSP}")  # an old look-alike row
    r = client.post("/password-reset", {"email": f"admin@a.example{ZWSP}"})
    assert r.status_code == 200 and "invisible" in r.content.decode()
    assert mailoutbox == []
    form = PasswordResetForm({"email": f"admin@a.example{ZWSP}"})
    assert not form.is_valid() and "email" in form.errors
