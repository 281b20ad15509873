"""The rules page of a code (issue 15, qrcodes.views_rules): members see it, Admins and Editors
save rules (at once or scheduled), roll back and cancel; Viewers read and test. Bad input is a
400 with the field named, never a 500; another organization's code answers 404 like a missing
one. The rule / A/B table counts ScanEvent rows by their rule and variant columns."""

from __future__ import annotations

import datetime as dt
import json
import uuid

import pytest
from django.test import Client
from django.utils import timezone

from core.enums import Classification
from core.scoping import bind_organization
from qrcodes.enrichment import ip_hash
from qrcodes.models import DestinationVersion, QRCode, ScanEvent
from qrcodes.routing import RULE_EXPIRED, sticky_bucket
from qrcodes.selectors_rules import routing_rule_stats, rule_summary
from qrcodes.tests.conftest import ANDROID, DESKTOP, IPHONE
from qrcodes.views_rules import error_label
from tenants.tests.factories import PASSWORD

APP_STORE = "https://apps.apple.com/app/x"
PLAY_STORE = "https://play.google.com/store/apps/details?id=x"
A_URL, B_URL = "https://pizza.example/a", "https://pizza.example/b"
ROUTING = {"rules": [
    {"kind": "device", "devices": ["ios"], "url": APP_STORE},
    {"kind": "device", "devices": ["android"], "url": PLAY_STORE},
    {"kind": "split", "variants": [{"url": A_URL, "weight": 50}, {"url": B_URL, "weight": 50}]},
]}


def _client(user) -> Client:
    c = Client()
    assert c.login(email=user.email, password=PASSWORD)
    return c


def _url(qr, tail: str = "") -> str:
    return f"/qrcodes/{qr.pk}/rules{tail}"


def _save(client, qr, routing, **extra):
    body = {"routing": routing if isinstance(routing, str) else json.dumps(routing), **extra}
    return client.post(_url(qr), body)


def _reload(qr) -> QRCode:
    return QRCode.all_orgs.get(pk=qr.pk)


# ---- who sees and who changes --------------------------------------------------------------

@pytest.mark.parametrize("role, can_save", [("admin", True), ("editor", True), ("viewer", False)])
def test_every_member_sees_the_page_writers_get_the_save_button(role, can_save, qr_a, admin_a, editor_a, viewer_a):
    user = {"admin": admin_a, "editor": editor_a, "viewer": viewer_a}[role]
    r = _client(user).get(_url(qr_a))
    assert r.status_code == 200
    html = r.content.decode()
    assert ('data-testid="rules-save"' in html) is can_save
    assert ('data-testid="not-offered"' in html) is not can_save
    assert 'id="id_routing"' in html  # the no-script fallback is always there
    assert ("readonly" in html.split('id="id_routing"')[1].split(">")[0]) is not can_save


def test_a_viewer_cannot_save_roll_back_or_cancel(qr_a, editor_a, viewer_a):
    assert _save(_client(editor_a), qr_a, ROUTING).status_code == 302
    viewer = _client(viewer_a)
    assert _save(viewer, qr_a, {}).status_code == 403
    assert viewer.post(_url(qr_a, "/versions/1/rollback")).status_code == 403
    assert viewer.post(_url(qr_a, "/versions/1/cancel")).status_code == 403
    assert _reload(qr_a).routing == ROUTING


def test_another_organizations_code_is_404_like_a_missing_one(qr_a, qr_b, admin_a):
    client = _client(admin_a)
    for qr_id in (qr_b.pk, uuid.uuid4()):
        base = f"/qrcodes/{qr_id}/rules"
        assert client.get(base).status_code == 404
        assert client.post(base, {"routing": json.dumps(ROUTING)}).status_code == 404
        assert client.post(f"{base}/test", {"device": "ios"}).status_code == 404
        assert client.post(f"{base}/versions/1/rollback").status_code == 404
        assert client.post(f"{base}/versions/1/cancel").status_code == 404
    assert _reload(qr_b).routing == {}


def test_anonymous_is_sent_to_login(qr_a):
    r = Client().get(_url(qr_a))
    assert r.status_code == 302 and "/login" in r["Location"]


# ---- saving ----------------------------------------------------------------------------------

def test_an_editor_saves_rules_and_scans_follow_them(qr_a, editor_a):
    client = _client(editor_a)
    r = _save(client, qr_a, ROUTING, note="App stores")
    assert r.status_code == 302 and r["Location"] == _url(qr_a)
    assert _reload(qr_a).routing == ROUTING
    page = client.get(_url(qr_a)).content.decode()
    assert "Saved as version 2" in page
    assert 'data-testid="version-1"' in page and 'data-testid="version-2"' in page
    assert "“App stores”" in page
    scanned = Client(HTTP_USER_AGENT=IPHONE, REMOTE_ADDR="198.51.100.1").get(f"/s/{qr_a.short_code}")
    assert scanned["Location"] == APP_STORE
    detail = client.get(f"/qrcodes/{qr_a.pk}").content.decode()
    assert "3 rules" in detail and f'href="/qrcodes/{qr_a.pk}/rules"' in detail


def test_the_detail_page_says_no_rules_and_where_the_code_always_goes(qr_a, viewer_a):
    html = _client(viewer_a).get(f"/qrcodes/{qr_a.pk}").content.decode()
    assert 'data-testid="qr-smart-destination"' in html
    assert "No rules: always" in html and "https://pizzapalace.com/menu" in html


def test_saving_the_same_rules_again_changes_nothing(qr_a, editor_a):
    client = _client(editor_a)
    _save(client, qr_a, ROUTING)
    r = _save(client, qr_a, ROUTING)
    assert r.status_code == 302
    assert "Nothing changed" in client.get(_url(qr_a)).content.decode()
    assert DestinationVersion.all_orgs.filter(qr_code=qr_a).count() == 2


def test_a_blank_textarea_removes_every_rule(qr_a, editor_a):
    client = _client(editor_a)
    _save(client, qr_a, ROUTING)
    assert _save(client, qr_a, "").status_code == 302
    assert _reload(qr_a).routing == {}


@pytest.mark.parametrize("routing, field", [
    ({"rules": [{"kind": "country", "countries": ["ZZ"], "url": "https://a.example"}]}, "rules.0.countries"),
    ({"rules": [{"kind": "split", "variants": [{"url": A_URL, "weight": 60}, {"url": B_URL, "weight": 60}]}]},
     "rules.0.variants"),
    ({"rules": [{"kind": "device", "devices": ["ios"], "url": "javascript:alert(1)"}]}, "rules.0.url"),
    ({"rules": [{"kind": "schedule", "from": "2027-02-14", "until": "2027-02-01", "url": A_URL}]}, "rules.0.until"),
    ({"rules": [{"kind": "device", "devices": [], "url": A_URL}]}, "rules.0.devices"),
    ({"rules": [{"kind": "teleport", "url": A_URL}]}, "rules.0.kind"),
    ({"limits": {"max_scans": 10**30}}, "limits.max_scans"),
    ({"limits": {"max_scans": "many"}}, "limits.max_scans"),
    ({"rules": "all of them"}, "rules"),
    ({"utm": {"source": ["qr"]}}, "utm.source"),
    ([1, 2, 3], "routing"),
    ("{not json", "routing"),
    ("[" * 50_000 + "]" * 50_000, "routing"),  # nested far past the parser's recursion limit
    ('{"rules": [], "x": "\x00"}', "routing"),
    ("9" * 100_001, "routing"),  # past the size limit (and a huge number)
    ("1" * 5000, "routing"),  # an integer past Python's digit limit
])
def test_bad_rules_answer_400_with_the_field_named(qr_a, editor_a, routing, field):
    r = _save(_client(editor_a), qr_a, routing)
    assert r.status_code == 400
    html = r.content.decode()
    assert f'data-field="{field}"' in html
    errors = json.loads(html.split('id="rules-errors-data" type="application/json">')[1].split("</script>")[0])
    assert field in errors
    assert _reload(qr_a).routing == {}
    assert not DestinationVersion.all_orgs.filter(qr_code=qr_a).exists()


def test_a_refused_save_keeps_what_was_typed(qr_a, editor_a):
    typed = json.dumps({"rules": [{"kind": "country", "countries": ["ZZ"], "url": "https://a.example"}]})
    r = _save(_client(editor_a), qr_a, typed, note="try", effective_at="")
    assert r.status_code == 400
    html = r.content.decode()
    assert "&quot;ZZ&quot;" in html and 'value="try"' in html


def test_a_nul_in_the_note_or_date_is_a_field_error(qr_a, editor_a):
    client = _client(editor_a)
    r = _save(client, qr_a, ROUTING, note="bad\x00note")
    assert r.status_code == 400 and 'data-field="note"' in r.content.decode()
    r = _save(client, qr_a, ROUTING, effective_at="2027-03-01\x00T09:00")
    assert r.status_code == 400 and 'data-field="effective_at"' in r.content.decode()


# ---- scheduled versions, rollback, cancel ----------------------------------------------------

def test_apply_from_makes_a_scheduled_version_in_the_organizations_zone(qr_a, org_a, editor_a):
    org_a.timezone = "America/Chicago"
    org_a.save(update_fields=["timezone"])
    client = _client(editor_a)
    when = (timezone.now() + dt.timedelta(days=10)).astimezone(org_a.tzinfo).replace(hour=9, minute=0, second=0,
                                                                                      microsecond=0)
    r = _save(client, qr_a, ROUTING, effective_at=when.strftime("%Y-%m-%dT%H:%M"), note="Spring")
    assert r.status_code == 302
    assert _reload(qr_a).routing == {}  # not yet
    pending = DestinationVersion.all_orgs.get(qr_code=qr_a, applied_at__isnull=True)
    assert pending.effective_at == when and pending.routing == ROUTING
    page = client.get(_url(qr_a)).content.decode()
    assert f"Scheduled as version {pending.number}" in page and "(America/Chicago)" in page
    assert f'data-testid="cancel-{pending.number}"' in page
    r = client.post(_url(qr_a, f"/versions/{pending.number}/cancel"))
    assert r.status_code == 302
    assert not DestinationVersion.all_orgs.filter(pk=pending.pk).exists()


@pytest.mark.parametrize("value", ["2001-01-01T09:00", "tomorrow", "2027-13-45T99:99", "9" * 39])
def test_a_past_or_bad_apply_from_is_a_field_error(qr_a, editor_a, value):
    r = _save(_client(editor_a), qr_a, ROUTING, effective_at=value)
    assert r.status_code == 400 and 'data-field="effective_at"' in r.content.decode()
    assert _reload(qr_a).routing == {}


def test_rollback_restores_an_old_version_as_a_new_one(qr_a, editor_a):
    client = _client(editor_a)
    _save(client, qr_a, ROUTING)  # v1 = as it was, v2 = the rules
    _save(client, qr_a, {"rules": [{"kind": "language", "languages": ["fr"], "url": A_URL}]})  # v3
    page = client.get(_url(qr_a)).content.decode()
    assert 'data-testid="rollback-2"' in page and 'data-testid="rollback-3"' not in page  # v3 is current
    r = client.post(_url(qr_a, "/versions/2/rollback"))
    assert r.status_code == 302
    assert _reload(qr_a).routing == ROUTING
    assert DestinationVersion.all_orgs.filter(qr_code=qr_a).count() == 4
    assert "Rolled back" in client.get(_url(qr_a)).content.decode()


@pytest.mark.parametrize("number", [99, 10**12, 2**31])
def test_rollback_to_a_version_that_does_not_exist_is_404(qr_a, editor_a, number):
    client = _client(editor_a)
    _save(client, qr_a, ROUTING)
    assert client.post(_url(qr_a, f"/versions/{number}/rollback")).status_code == 404
    assert client.post(_url(qr_a, f"/versions/{number}/cancel")).status_code == 404


def test_cancelling_an_applied_version_is_refused_with_a_message(qr_a, editor_a):
    client = _client(editor_a)
    _save(client, qr_a, ROUTING)
    r = client.post(_url(qr_a, "/versions/2/cancel"), follow=True)
    assert r.status_code == 200 and "has been applied" in r.content.decode()
    assert DestinationVersion.all_orgs.filter(qr_code=qr_a, number=2).exists()


def test_get_only_pages_refuse_other_methods(qr_a, editor_a):
    client = _client(editor_a)
    assert client.get(_url(qr_a, "/test")).status_code == 405
    assert client.get(_url(qr_a, "/versions/1/rollback")).status_code == 405
    assert client.put(_url(qr_a)).status_code == 405


# ---- test a rule ------------------------------------------------------------------------------

def _try(client, qr, **data):
    return client.post(_url(qr, "/test"), data, HTTP_ACCEPT="application/json")


def test_test_a_rule_says_which_rule_fires(qr_a, editor_a, viewer_a):
    _save(_client(editor_a), qr_a, ROUTING)
    viewer = _client(viewer_a)  # reading: any member
    body = _try(viewer, qr_a, device="ios").json()
    assert body["rule"] == 0 and body["url"] == APP_STORE and "fires" in body["explanation"]
    assert _try(viewer, qr_a, device="android").json()["url"] == PLAY_STORE
    desktop = _try(viewer, qr_a, device="desktop").json()
    assert desktop["rule"] == 2 and desktop["url"] in (A_URL, B_URL) and desktop["variant"] in (0, 1)


def test_test_a_rule_tries_the_unsaved_draft(qr_a, editor_a):
    draft = {"rules": [{"kind": "schedule", "days": [0], "start": "11:00", "end": "14:00", "url": A_URL}],
             "limits": {"expires_on": "2030-01-01"}}
    client = _client(editor_a)
    monday_noon = _try(client, qr_a, device="desktop", date="2027-03-01", time="12:00", routing=json.dumps(draft))
    assert monday_noon.json()["url"] == A_URL
    evening = _try(client, qr_a, device="desktop", date="2027-03-01", time="18:00", routing=json.dumps(draft)).json()
    assert evening["rule"] is None and evening["url"] == "https://pizzapalace.com/menu"
    expired = _try(client, qr_a, device="desktop", date="2030-01-01", time="00:00", routing=json.dumps(draft)).json()
    assert expired["rule"] == RULE_EXPIRED and expired["ended"] is True
    assert _reload(qr_a).routing == {}  # a test saves nothing


@pytest.mark.parametrize("data, field", [
    ({"device": "toaster"}, "device"),
    ({"device": "ios", "country": "ZZ"}, "country"),
    ({"device": "ios", "date": "2027-02-30"}, "date"),
    ({"device": "ios", "date": "2027-02-03", "time": "25:00"}, "date"),
    ({"device": "ios", "routing": '{"rules": [{"kind": "device", "devices": ["ios"], "url": "ftp://x"}]}'},
     "rules.0.url"),
    ({"device": "ios", "routing": "[" * 50_000}, "routing"),
    ({"device": "ios", "routing": '{"x": "\x00"}'}, "routing"),
    ({"device": "ios", "language": "fr\x00"}, "accept_language"),
])
def test_test_a_rule_names_the_bad_field(qr_a, viewer_a, data, field):
    r = _try(_client(viewer_a), qr_a, **data)
    assert r.status_code == 400
    assert r.json()["error"] == "validation_error" and field in r.json()["detail"]


def test_test_a_rule_without_script_renders_the_page_with_the_answer(qr_a, editor_a):
    _save(_client(editor_a), qr_a, ROUTING)
    r = _client(editor_a).post(_url(qr_a, "/test"), {"device": "android"})
    assert r.status_code == 200
    html = r.content.decode()
    assert "fires" in html and 'value="android" selected' in html
    bad = _client(editor_a).post(_url(qr_a, "/test"), {"device": "ios", "country": "ZZ"})
    assert bad.status_code == 400 and "ISO 3166" in bad.content.decode()


# ---- the rule / A/B table ------------------------------------------------------------------------

def _scan(qr, rule, variant, ip="203.0.113.7", classification=Classification.PENDING):
    return ScanEvent.all_orgs.create(organization_id=qr.organization_id, qr_code=qr, rule=rule, variant=variant,
                                     ip_hash=ip_hash(ip), classification=classification,
                                     scanned_at=timezone.now())


def test_the_table_counts_scans_unique_scanners_and_shares_per_rule_and_variant(qr_a, qr_b, org_a, editor_a):
    _save(_client(editor_a), qr_a, ROUTING)
    qr_a.refresh_from_db()
    _scan(qr_a, 0, None, "198.51.100.1")
    _scan(qr_a, 0, None, "198.51.100.1")  # the same scanner again: a scan, not a unique one
    _scan(qr_a, 2, 0, "198.51.100.2")
    _scan(qr_a, 2, 1, "198.51.100.3", Classification.HUMAN)
    _scan(qr_a, 2, 1, "198.51.100.4", Classification.DUPLICATE)
    _scan(qr_a, None, None, "198.51.100.5")
    _scan(qr_a, 2, 1, "198.51.100.6", Classification.BOT)  # bots are left out
    _scan(qr_a, 7, None, "198.51.100.7")  # a position the current rules no longer have
    _scan(qr_b, 0, None, "198.51.100.8")  # another organization's code
    with bind_organization(org_a):
        table = routing_rule_stats(organization=org_a, qr_code=qr_a)
    assert (table.total, table.unique) == (7, 6)
    rows = {row.rule: row for row in table.rows}
    assert (rows[0].scans, rows[0].unique, rows[0].share) == (2, 1, 28.6)
    assert (rows[1].scans, rows[1].share) == (0, 0.0)
    split = rows[2]
    assert (split.scans, split.unique) == (3, 3)
    assert [(v.letter, v.url, v.scans, v.unique, v.share) for v in split.variants] == [
        ("A", A_URL, 1, 1, 33.3), ("B", B_URL, 2, 2, 66.7)]
    assert rows[7].label == "Rule 8 (changed since)" and rows[7].scans == 1
    assert rows[None].scans == 1 and rows[None].url == "https://pizzapalace.com/menu"
    assert RULE_EXPIRED not in rows  # no expiry set, none served


def test_the_table_of_a_code_never_scanned_has_zero_rows_and_no_division(qr_a, org_a, editor_a):
    _save(_client(editor_a), qr_a, {**ROUTING, "limits": {"expires_on": "2030-01-01"}})
    qr_a.refresh_from_db()
    with bind_organization(org_a):
        table = routing_rule_stats(organization=org_a, qr_code=qr_a)
    assert table.total == 0 and all(r.scans == 0 and r.share == 0.0 for r in table.rows)
    assert [r.rule for r in table.rows] == [0, 1, 2, None, RULE_EXPIRED]


def test_scans_through_s_move_the_table_on_the_page(qr_a, editor_a):
    client = _client(editor_a)
    _save(client, qr_a, ROUTING)
    ips = [f"198.51.100.{n}" for n in range(10, 250)]
    a_ip = next(ip for ip in ips if sticky_bucket(ip_hash(ip), DESKTOP) < 50)
    b_ip = next(ip for ip in ips if sticky_bucket(ip_hash(ip), DESKTOP) >= 50)
    for ua, ip, where in ((IPHONE, "198.51.100.1", APP_STORE), (ANDROID, "198.51.100.2", PLAY_STORE),
                          (DESKTOP, a_ip, A_URL), (DESKTOP, b_ip, B_URL)):
        r = Client(HTTP_USER_AGENT=ua, REMOTE_ADDR=ip).get(f"/s/{qr_a.short_code}")
        assert r.status_code == 302 and r["Location"] == where
    html = client.get(_url(qr_a)).content.decode()
    for testid in ("stat-rule-0", "stat-rule-1", "stat-variant-2-0", "stat-variant-2-1"):
        row = html.split(f'data-testid="{testid}"')[1].split("</tr>")[0]
        assert 'data-testid="scans">1<' in row, testid
    assert 'data-testid="scans">4<' in html.split('data-testid="stat-total"')[1]


@pytest.mark.parametrize("key, words", [
    ("rules.3.variants.1.url", "Rule 4, variant B, url"), ("rules.0.countries", "Rule 1, countries"),
    ("limits.max_scans", "Limits, max scans"), ("utm.source", "UTM, source"), ("routing", "Rules"),
    ("effective_at", "Apply from"), ("rules", "Rules"),
])
def test_error_labels_say_the_field_in_words(key, words):
    assert error_label(key) == words


@pytest.mark.parametrize("rule, words", [
    ({"kind": "device", "devices": ["ios", "android"]}, "Device: iPhone & iPad, Android"),
    ({"kind": "schedule", "days": [0, 4], "start": "11:00", "end": "14:00"}, "Schedule: Mon, Fri; 11:00–14:00"),
    ({"kind": "schedule", "from": "2027-02-01"}, "Schedule: 2027-02-01 to …"),
    ({"kind": "country", "countries": ["US", "CA"], "label": "North America"}, "North America"),
    ({"kind": "split", "variants": []}, "A/B split"),
])
def test_rule_summary(rule, words):
    assert rule_summary(rule) == words
