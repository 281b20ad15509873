"""Issue 13: roles are shown, not just enforced, and scanners see the business, not the app.

- What a role cannot do is not offered: for each role, which controls a page carries, and the
  one line saying who can where they are missing. A create or edit form a Viewer may not send
  answers 403 with that line on GET (the services still refuse a write sent anyway: the
  isolation matrix).
- The team page offers no invite form at the seat limit or to non-Admins, and no role change
  or deactivation on an Admin's own row.
- The pages people who scan a code see (/s/ 410 and 404, /c/ content, its 410 and 404) name
  the business when known and carry none of the app's navigation or login links."""

from __future__ import annotations

import re
import uuid

import pytest
from django.core.cache import caches
from django.test import Client

from core.scoping import bind_organization
from qrcodes.models import QRCode
from qrcodes.services import qr_code_set_status
from tenants.models import User
from tenants.tests.factories import PASSWORD, UserFactory
from tests.conftest import TenantWorld, world_build

ADMIN, EDITOR, VIEWER = "Admin", "Editor", "Viewer"
WHO_CAN_WRITE = "Viewers can look, not change: ask an Admin or Editor of Org A."
WHO_MANAGES = "Only an Admin manages the team"


@pytest.fixture
def world(org_a, admin_a, org_b, admin_b) -> TenantWorld:
    world_build(org_b, admin_b, tag="beta")  # a second organization, so a leak shows
    return world_build(org_a, admin_a, tag="alpha")


def _client(world: TenantWorld, role: str) -> Client:
    if role == ADMIN:
        user = world.admin
    else:
        user = UserFactory(organization=world.organization, role=role, email=f"{role.lower()}@a.example")
    client = Client()
    assert client.login(email=user.email, password=PASSWORD)
    client.user = user
    return client


# --- content pages: controls per role --------------------------------------------------------

# page -> the controls a writer sees there (each a piece of the HTML)
CONTROLS = {
    "/qrcodes": lambda w: ['data-testid="new-qr"', 'href="/qrcodes/new"'],
    "/qrcodes/{qr_code}": lambda w: [f'href="/qrcodes/{w.id("qr_code")}/edit"', "Pause</button>",
                                     "Archive</button>", "Delete</button>"],
    "/campaigns": lambda w: ['href="/campaigns/new"'],
    "/campaigns/{campaign}": lambda w: [f'href="/campaigns/{w.id("campaign")}/edit"', "Delete</button>",
                                        f'action="/campaigns/{w.id("campaign")}/delete"'],
    "/uploads": lambda w: ['id="upload-form"', "Delete</button>", 'action="/uploads"'],
}


@pytest.mark.parametrize("role", [ADMIN, EDITOR, VIEWER])
@pytest.mark.parametrize("page", list(CONTROLS))
def test_content_pages_offer_only_what_the_role_may_do(world, page, role):
    path = page.format(**{k: world.id(k) for k in ("qr_code", "campaign")})
    html = _client(world, role).get(path).content.decode()
    for control in CONTROLS[page](world):
        if role == VIEWER:
            assert control not in html, (path, control)
        else:
            assert control in html, (path, control)
    assert (WHO_CAN_WRITE in html) == (role == VIEWER)
    assert html.count(WHO_CAN_WRITE) <= 1  # one line, not one per control


FORMS = ["/qrcodes/new", "/qrcodes/{qr_code}/edit", "/campaigns/new", "/campaigns/{campaign}/edit"]


@pytest.mark.parametrize("role", [ADMIN, EDITOR, VIEWER])
@pytest.mark.parametrize("form", FORMS)
def test_create_and_edit_forms_are_a_403_page_for_viewers(world, form, role):
    path = form.format(**{k: world.id(k) for k in ("qr_code", "campaign")})
    r = _client(world, role).get(path)
    html = r.content.decode()
    if role == VIEWER:
        assert r.status_code == 403
        assert "Not allowed" in html and WHO_CAN_WRITE in html
        assert 'method="post" novalidate' not in html  # no form that would fail after Submit
    else:
        assert r.status_code == 200 and 'method="post" novalidate' in html and WHO_CAN_WRITE not in html


def test_a_viewer_is_told_the_same_for_another_organizations_form_as_for_a_missing_one(world, org_b):
    # refused before the object is looked up: the answer says nothing of whether it exists
    client = _client(world, VIEWER)
    foreign = QRCode.all_orgs.filter(organization=org_b).first()
    r = client.get(f"/qrcodes/{foreign.pk}/edit")
    missing = client.get(f"/qrcodes/{uuid.uuid4()}/edit")
    assert r.status_code == missing.status_code == 403
    assert "beta" not in r.content.decode() and WHO_CAN_WRITE in r.content.decode()


# --- team page -------------------------------------------------------------------------------


def _row(html: str, user: User) -> str:
    match = re.search(rf'<tr data-user-id="{user.pk}">.*?</tr>', html, re.S)
    assert match, user.email
    return match.group(0)


def test_team_page_for_an_admin_offers_all_but_their_own_row(world):
    client = _client(world, ADMIN)  # Org A: admin + member = 2 of 3 seats
    html = client.get("/team").content.decode()
    assert "Send invitation" in html and WHO_MANAGES not in html and "seats are used" not in html
    other = _row(html, world.objects["user"])
    assert 'name="role"' in other and "Deactivate</button>" in other
    own = _row(html, world.admin)
    assert 'name="role"' not in own and "Deactivate" not in own and "Set role" not in own
    assert "Another Admin can change your role or deactivate you." in own


@pytest.mark.parametrize("role", [EDITOR, VIEWER])
def test_team_page_for_editors_and_viewers_offers_no_management(world, role):
    html = _client(world, role).get("/team").content.decode()
    assert WHO_MANAGES + ": ask an Admin of Org A." in html
    for control in ("Send invitation", "Set role", "Deactivate", "Reactivate", 'name="role"', 'name="email"'):
        assert control not in html, control


def test_team_page_at_the_seat_limit_hides_the_invite_form(world):
    UserFactory(organization=world.organization, role=EDITOR, email="third@a.example")  # 3 of 3
    client = _client(world, ADMIN)
    html = client.get("/team").content.decode()
    assert "All 3 seats are used: deactivate someone or <a href=\"/plan\">change your plan</a>" in html
    assert "Send invitation" not in html and 'name="email"' not in html
    # the server still refuses an invitation sent anyway, and says why
    r = client.post("/team", {"email": "fourth@a.example", "full_name": "Four", "role": "Editor"})
    assert r.status_code == 403 and "allows 3 contributors" in r.content.decode()
    assert not User.objects.filter(email="fourth@a.example").exists()


# --- what scanners see -----------------------------------------------------------------------

APP_CHROME = ("Log in", "Sign up", 'href="/login"', 'href="/register"', 'href="/dashboard"', 'href="/qrcodes"',
              'class="mainnav"', "Log out")


def _no_app_chrome(html: str) -> None:
    for piece in APP_CHROME:
        assert piece not in html, piece


def _pause(world: TenantWorld, kind: str) -> str:
    qr = world.objects[kind]
    with bind_organization(world.organization):
        qr_code_set_status(organization=world.organization, actor=world.admin, qr_code_id=qr.pk, status="paused")
    caches["scan_lookup"].clear()
    return qr.short_code


@pytest.mark.parametrize("visitor", ["anonymous", "logged into another organization"])
def test_scanner_pages_show_the_business_never_the_app(world, visitor, org_b):
    client = Client()
    if visitor != "anonymous":
        assert client.login(email="admin@b.example", password=PASSWORD)
    content_code = world.objects["content_qr_code"].short_code

    r = client.get(f"/c/{content_code}")
    assert r.status_code == 200
    html = r.content.decode()
    assert "Org A" in html and "Powered by Outbound Impact" in html and "Org B" not in html
    _no_app_chrome(html)

    code = _pause(world, "qr_code")
    r = client.get(f"/s/{code}")
    assert r.status_code == 410
    html = r.content.decode()
    assert 'data-testid="scanner-business">Org A<' in html and "Org B" not in html
    _no_app_chrome(html)

    r = client.get(f"/c/{_pause(world, 'content_qr_code')}")
    assert r.status_code == 410
    html = r.content.decode()
    assert 'data-testid="scanner-business">Org A<' in html
    _no_app_chrome(html)

    for unknown in ("/s/nosuchcode", "/c/nosuchcode"):
        r = client.get(unknown)
        assert r.status_code == 404
        html = r.content.decode()
        assert "scanner-business" not in html and "Org A" not in html and "Org B" not in html  # neutral
        _no_app_chrome(html)
        assert "<script" not in html


def test_the_paused_scan_page_costs_no_extra_query(world, django_assert_max_num_queries):
    code = _pause(world, "qr_code")
    client = Client()
    with django_assert_max_num_queries(1):  # the one cached lookup, which already joins the organization
        r = client.get(f"/s/{code}")
    assert r.status_code == 410
    with django_assert_max_num_queries(0):  # cached
        assert client.get(f"/s/{code}").status_code == 410
