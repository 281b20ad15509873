"""The activity log in words (tenants.activity_text): every action code the codebase records
has a sentence, sentences read as the issue asks, one "Where" format, and the /activity page
shows them with its time zone named once."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.test import Client

from core.scoping import bind_organization
from demo.distributions import ACTIONS as DEMO_ACTIONS
from qrcodes.services import _STATUS_ACTIONS, qr_code_create
from tenants.activity_text import (
    ACTIVITY_SENTENCES,
    NO_PLACE,
    activity_action_label,
    activity_sentence,
    activity_where,
)
from tenants.models import ActivityLog, User
from tenants.selectors import activity_recent
from tenants.services import activity_record
from tenants.services.activity import TRACKABLE_ACTIONS
from tenants.tests.factories import PASSWORD, UserFactory

ROOT = Path(django_settings.BASE_DIR)
APPS = ("core", "tenants", "qrcodes", "uploads", "campaigns", "analytics", "oi_admin", "demo")
LONDON_IP = "81.2.69.142"  # in the packaged GeoLite2 City database


def recorded_codes() -> set[str]:
    """Every action code written by the app code: `activity_record(action="...")` literals and
    the string constants of any `action = ...` assignment in a module that records activity,
    plus the tables of codes (status changes, tracked client events, the demo seed)."""
    codes: set[str] = set()
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            if "tests" in path.parts or "migrations" in path.parts:
                continue
            source = path.read_text()
            if "activity_record(" not in source:
                continue
            for node in ast.walk(ast.parse(source)):
                if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", "")) == "activity_record":
                    for kw in node.keywords:
                        if kw.arg == "action" and isinstance(kw.value, ast.Constant):
                            codes.add(kw.value.value)
                if isinstance(node, ast.Assign) and any(getattr(t, "id", "") == "action" for t in node.targets):
                    codes |= {c.value for c in ast.walk(node.value)
                              if isinstance(c, ast.Constant) and isinstance(c.value, str) and re.fullmatch(r"[a-z]+(_[a-z]+)+", c.value)}
    codes |= set(_STATUS_ACTIONS.values()) | set(TRACKABLE_ACTIONS) | {code for _, code, _ in DEMO_ACTIONS}
    return codes


def test_the_scan_of_the_source_finds_the_codes():
    codes = recorded_codes()
    # A sample from each place that records: a literal, a status table, the team's dict, a tracked event, the seed.
    assert {"create_qr_code", "pause_qr_code", "deactivate_user", "change_user_role", "login", "register",
            "upload_file", "delete_campaign", "campaign_social_share", "qr_code_create", "join_team"} <= codes
    assert len(codes) >= 30


def test_every_recorded_code_has_a_sentence():
    missing = recorded_codes() - set(ACTIVITY_SENTENCES)
    assert not missing, f"add these to tenants.activity_text.ACTIVITY_SENTENCES: {sorted(missing)}"


FULL_META = {"name": "Front window", "campaign_name": "Front window", "file_name": "Front window",
             "email": "viewer@acme.example", "role": "Viewer", "platform": "facebook", "format": "png",
             "file_size_bytes": 4_400_000, "changed": ["name"], "plan_type": "small_business"}


@pytest.mark.parametrize("code", sorted(ACTIVITY_SENTENCES))
@pytest.mark.parametrize("meta", [{}, FULL_META, None, {"name": ["not", "text"], "file_size_bytes": "big"}])
def test_every_sentence_reads_with_or_without_details(code, meta):
    user = User(full_name="John Smith", email="john@pizzapalace.com")
    text = activity_sentence(action=code, user=user, metadata=meta)
    if "{actor}" in ACTIVITY_SENTENCES[code].template:
        assert text.startswith("John Smith ")
    assert "{" not in text and "}" not in text and "_" not in text and "None" not in text
    assert "  " not in text and not text.endswith(" ")
    label = activity_action_label(code)
    assert label and "_" not in label and "{" not in label and label == label.strip()


@pytest.mark.parametrize(("action", "user", "meta", "sentence"), [
    ("create_qr_code", "John Smith", {"name": "Front window", "qr_url": "https://x.example"},
     "John Smith created the QR code “Front window”"),
    ("invite_user", "Wile E. Coyote", {"email": "viewer@acme.example", "role": "Viewer"},
     "Wile E. Coyote invited viewer@acme.example as Viewer"),
    ("login", None, {}, "Someone signed in"),
    ("pause_qr_code", "Ann", {"name": "Door", "changed": ["status"]}, "Ann paused the QR code “Door”"),
    ("upload_file", "Ann", {"file_name": "menu.pdf", "file_type": "pdf", "file_size_bytes": 4_404_019},
     "Ann uploaded the file “menu.pdf” (4.2 MB)"),
    ("campaign_social_share", "Ann", {"platform": "linkedin", "campaign_name": "Spring"},
     "Ann shared the campaign “Spring” on LinkedIn"),
    ("change_user_role", "Ann", {"email": "ed@a.example", "role": "Editor"}, "Ann changed the role of ed@a.example to Editor"),
    ("user_invite", "Ann", {}, "Ann invited a team member"),  # the demo seed stores no details
    ("qr_code_download", "Ann", {"format": "svg"}, "Ann downloaded a QR code as SVG"),
    ("campaign_add_qr_codes", "Ann", {"campaign_name": "Spring", "count": 3, "qr_code_ids": ["x"]},
     "Ann added 3 QR codes to the campaign “Spring”"),
    ("approve_plan_change", None, {"name": "Medium Business", "staff": "ops@outboundimpact.com"},
     "Outbound Impact approved the change to Medium Business"),
    ("change_timezone", "Ann", {"name": "Europe/Paris", "previous": "UTC"}, "Ann set the time zone to Europe/Paris"),
    ("create_foo", "Ann", {}, "Ann performed create foo"),
    ("", "Ann", {}, "Ann performed an action"),
])
def test_sentences(action, user, meta, sentence):
    who = User(full_name=user, email="x@a.example") if user else None
    assert activity_sentence(action=action, user=who, metadata=meta) == sentence


def test_a_user_without_a_name_is_their_email():
    assert activity_sentence(action="login", user=User(full_name="", email="x@a.example"), metadata={}) == "x@a.example signed in"


def test_names_are_text_not_markup():
    # The page escapes it; the sentence keeps what was typed.
    text = activity_sentence(action="create_qr_code", user=None, metadata={"name": "<b>x</b>"})
    assert text == "Someone created the QR code “<b>x</b>”"


@pytest.mark.parametrize(("location", "ip", "where"), [
    ("Chicago, Illinois, United States", "203.0.113.9", "Chicago, United States"),
    ("London, United Kingdom", None, "London, United Kingdom"),
    ("United States", None, "United States"),
    ("", LONDON_IP, "Willesden, United Kingdom"),  # only the address stored: located
    ("", "10.1.2.3", NO_PLACE),                 # a private address places nowhere
    ("", "not an ip", NO_PLACE),
    ("", None, NO_PLACE),
])
def test_where_is_one_format(location, ip, where, settings):
    settings.GEOIP_PRIVATE_IP_STANDIN = ""
    assert activity_where(location=location, ip_address=ip) == where


# --- the selector and the page -----------------------------------------------------------------

@pytest.fixture
def feed(org_a, admin_a, org_b, admin_b, settings):
    settings.GEOIP_PRIVATE_IP_STANDIN = ""
    admin_a.full_name = "John Smith"
    admin_a.save(update_fields=["full_name"])
    with bind_organization(org_a):
        qr_code_create(organization=org_a, actor=admin_a, data={"name": "Front window", "qr_url": "https://a.example"})
        activity_record(organization=org_a, user=admin_a, action="login", entity_type="user", entity_id=admin_a.pk,
                        ip_address="198.51.100.7", location="Chicago, Illinois, United States")
        activity_record(organization=org_a, user=admin_a, action="upload_file", entity_type="file", entity_id="x",
                        ip_address=LONDON_IP, metadata={"file_name": "menu.pdf", "file_size_bytes": 4_404_019})
        activity_record(organization=org_a, user=None, action="login", ip_address="10.0.0.1")
        activity_record(organization=org_a, user=admin_a, action="brand_new_thing")
    with bind_organization(org_b):
        activity_record(organization=org_b, user=admin_b, action="create_campaign", metadata={"campaign_name": "Theirs"})


def test_activity_recent_rows_carry_sentence_and_where(feed, org_a, django_assert_num_queries):
    with bind_organization(org_a), django_assert_num_queries(1):
        rows = activity_recent(organization=org_a, limit=10)
    by_sentence = {r["sentence"]: r["where"] for r in rows}
    assert by_sentence == {
        "John Smith performed brand new thing": NO_PLACE,
        "Someone signed in": NO_PLACE,
        "John Smith uploaded the file “menu.pdf” (4.2 MB)": "Willesden, United Kingdom",
        "John Smith signed in": "Chicago, United States",
        "John Smith created the QR code “Front window”": NO_PLACE,
    }
    assert rows[0]["sentence"] == "John Smith performed brand new thing"  # newest first


def login(user) -> Client:
    c = Client()
    assert c.login(username=user.email, password=PASSWORD)
    return c


def test_activity_page_shows_sentences_zone_and_one_where_format(feed, org_a, admin_a):
    org_a.timezone = "Europe/Paris"
    org_a.save(update_fields=["timezone"])
    html = login(admin_a).get("/activity").content.decode()
    assert html.count("Times in Europe/Paris.") == 1
    sentences = re.findall(r'data-testid="activity-sentence">([^<]*)</td>', html)
    assert "John Smith created the QR code “Front window”" in sentences
    assert "John Smith uploaded the file “menu.pdf” (4.2 MB)" in sentences
    assert "Someone signed in" in sentences and "Theirs" not in html
    wheres = re.findall(r'data-testid="activity-where">([^<]*)</td>', html)
    assert len(wheres) == len(sentences) == 5  # the feed's rows of org A only
    assert all(w == NO_PLACE or re.fullmatch(r"[^\d,:]+(, [^\d,:]+)?", w) for w in wheres), wheres
    for ip in ("198.51.100.7", LONDON_IP, "10.0.0.1"):
        assert ip not in html
    assert "create_qr_code" not in re.sub(r'(data-action|value)="[^"]*"', "", html)


def test_activity_page_time_is_in_the_organizations_zone(feed, org_a, admin_a):
    row = ActivityLog.all_orgs.filter(organization=org_a, action="brand_new_thing").get()
    org_a.timezone = "Asia/Tokyo"
    org_a.save(update_fields=["timezone"])
    html = login(admin_a).get("/activity").content.decode()
    from zoneinfo import ZoneInfo

    assert row.created_at.astimezone(ZoneInfo("Asia/Tokyo")).strftime("%Y-%m-%d %H:%M") in html


def test_activity_filter_options_read_as_words(feed, admin_a):
    html = login(admin_a).get("/activity").content.decode()
    assert '<option value="create_qr_code">Created a QR code</option>' in html
    assert '<option value="login">Signed in</option>' in html


def test_activity_page_query_count_does_not_grow_with_rows(feed, org_a, admin_a, django_assert_max_num_queries):
    c = login(admin_a)
    with django_assert_max_num_queries(15) as few:
        c.get("/activity")
    others = [UserFactory(organization=org_a, email=f"u{i}@a.example") for i in range(5)]
    with bind_organization(org_a):
        for i in range(30):
            activity_record(organization=org_a, user=others[i % 5], action="create_qr_code", metadata={"name": f"c{i}"})
    with django_assert_max_num_queries(len(few.captured_queries)):
        html = c.get("/activity").content.decode()
    assert "the QR code “c29”" in html
