"""The smart destinations API (issue 15): /api/qrcodes/<id>/rules (GET, PUT), /rules/test (POST,
any member), /versions (GET), /versions/<n> (DELETE a scheduled one), /versions/<n>/rollback
(POST). Bad rules answer 400 naming the field; Viewers read and try, never write; another
organization's code answers 404 like a missing one."""

from __future__ import annotations

import datetime as dt

import pytest

from conftest import api_client_for
from qrcodes.models import DestinationVersion, QRCode
from qrcodes.tests.conftest import ANDROID, DESKTOP, IPHONE
from tests.conftest import api_schema_document

pytestmark = pytest.mark.django_db

APP_STORE = "https://apps.apple.com/app/pizza"
DEVICE = {"kind": "device", "devices": ["ios"], "url": APP_STORE}
SPLIT = {"kind": "split", "variants": [{"url": "https://a.example", "weight": 30},
                                       {"url": "https://b.example", "weight": 70}]}
LUNCH = {"kind": "schedule", "days": [0, 1, 2, 3, 4], "start": "11:00", "end": "14:00",
         "url": "https://pizzapalace.com/lunch"}


def future(**kw) -> str:
    return (dt.datetime.now(dt.UTC) + dt.timedelta(**kw)).isoformat()


def rules(qr) -> str:
    return f"/api/qrcodes/{qr.pk}/rules"


def put(api, qr, routing, **extra):
    return api.put(rules(qr), {"routing": routing, **extra}, format="json")


# ---- rules -------------------------------------------------------------------------------------

def test_get_and_put_rules(api_a, qr_a):
    body = api_a.get(rules(qr_a)).json()
    assert body == {"qr_url": "https://pizzapalace.com/menu", "routing": {}, "scheduled": []}
    r = put(api_a, qr_a, {"rules": [DEVICE, SPLIT], "utm": {"source": "qr"}}, note="stores + A/B")
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["routing"]["rules"] == [DEVICE, SPLIT] and body["routing"]["utm"] == {"source": "qr"}
    assert body["version"]["number"] == 2 and body["version"]["state"] == "applied"
    assert body["version"]["created_by"] and body["version"]["note"] == "stores + A/B"
    assert api_a.get(rules(qr_a)).json()["routing"] == body["routing"]
    r = put(api_a, qr_a, body["routing"])  # the same again: no new version
    assert r.status_code == 200 and r.json()["version"] is None


def test_put_with_a_new_url_and_a_schedule(api_a, qr_a):
    when = future(days=10)
    r = put(api_a, qr_a, {"rules": [LUNCH]}, qr_url="https://pizzapalace.com/spring", effective_at=when)
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["qr_url"] == "https://pizzapalace.com/menu" and body["routing"] == {}  # not yet
    assert [(v["number"], v["state"], v["qr_url"]) for v in body["scheduled"]] == [
        (2, "scheduled", "https://pizzapalace.com/spring")]
    assert body["version"]["effective_at"]
    put(api_a, qr_a, {"rules": [DEVICE]}, effective_at=future(days=5))
    assert [v["number"] for v in api_a.get(rules(qr_a)).json()["scheduled"]] == [3, 2]  # soonest first
    assert [v["number"] for v in api_a.get(rules(qr_a) + "?limit=1").json()["scheduled"]] == [3]
    assert api_a.get(rules(qr_a) + "?limit=21").status_code == 400


def test_at_most_twenty_changes_wait_per_code(api_a, qr_a):
    for n in range(20):
        assert put(api_a, qr_a, {"rules": [DEVICE]}, effective_at=future(days=n + 1)).status_code == 200
    r = put(api_a, qr_a, {"rules": [DEVICE]}, effective_at=future(days=30))
    assert r.status_code == 400 and "cancel one" in r.json()["detail"]["effective_at"]


@pytest.mark.parametrize("routing, field", [
    ({"rules": [{"kind": "country", "countries": ["XX"], "url": "https://a.example"}]}, "rules.0.countries"),
    ({"rules": [DEVICE, {"kind": "split", "variants": [{"url": "https://a.example", "weight": 60},
                                                      {"url": "https://b.example", "weight": 60}]}]},
     "rules.1.variants"),
    ({"rules": [{"kind": "device", "devices": ["ios"], "url": "javascript:alert(document.cookie)"}]}, "rules.0.url"),
    ({"rules": [{"kind": "split", "variants": [{"url": "data:text/html,x", "weight": 50},
                                               {"url": "https://b.example", "weight": 50}]}]}, "rules.0.variants.0.url"),
    ({"rules": [{"kind": "schedule", "from": "2027-02-14", "until": "2027-02-01", "url": "https://a.example"}]},
     "rules.0.until"),
    ({"rules": [{"kind": "schedule", "start": "14:00", "end": "14:00", "url": "https://a.example"}]}, "rules.0.end"),
    ({"rules": [{"kind": "teleport", "url": "https://a.example"}]}, "rules.0.kind"),
    ({"rules": [{"kind": "split", "variants": [{"url": "https://a.example", "weight": 10**30},
                                               {"url": "https://b.example", "weight": 50}]}]},
     "rules.0.variants.0.weight"),
    ({"limits": {"max_scans": 10**30}}, "limits.max_scans"),
    ({"limits": {"max_scans": "10"}}, "limits.max_scans"),
    ({"rules": [DEVICE] * 21}, "rules"),
    ({"rules": {"0": DEVICE}}, "rules"),
    ({"colour": "red"}, "routing"),
    ("all of them", "routing"),
    (7, "routing"),
])
def test_bad_rules_answer_400_naming_the_field(api_a, qr_a, routing, field):
    r = put(api_a, qr_a, routing)
    assert r.status_code == 400, r.content
    body = r.json()
    assert body["error"] == "validation_error" and field in body["detail"], body
    assert not DestinationVersion.objects.unscoped().filter(qr_code=qr_a).exists()


@pytest.mark.parametrize("extra, field", [
    ({"qr_url": "javascript:alert(1)"}, "qr_url"),
    ({"qr_url": 12}, "qr_url"),
    ({"effective_at": "2001-01-01T00:00:00Z"}, "effective_at"),
    ({"effective_at": "99999-01-01"}, "effective_at"),
    ({"effective_at": 10**30}, "effective_at"),
    ({"effective_at": {"when": "soon"}}, "effective_at"),
    ({"note": "n" * 500}, "note"),
])
def test_bad_url_time_or_note_answer_400(api_a, qr_a, extra, field):
    r = put(api_a, qr_a, {"rules": [DEVICE]}, **extra)
    assert r.status_code == 400, r.content
    assert field in r.json()["detail"]


def test_bad_bodies_never_500(api_a, qr_a):
    for raw in ('{"routing": {"rules": [{"kind": "device", "devices": ["ios"], "url": "https://a.example/\\u0000"}]}}',
                '{"routing": ' + "[" * 5000 + "]" * 5000 + "}", "[1, 2]", "not json", '"text"'):
        r = api_a.put(rules(qr_a), raw, content_type="application/json")
        assert r.status_code == 400, (raw[:40], r.content[:200])
        assert r.json()["error"]
    r = api_a.post(f"/api/qrcodes/{qr_a.pk}/rules/test", '{"user_agent": "a\\u0000"}', content_type="application/json")
    assert r.status_code == 400


# ---- versions, rollback, cancel ------------------------------------------------------------------

def test_versions_are_listed_newest_first_and_bounded(api_a, qr_a):
    assert api_a.get(f"/api/qrcodes/{qr_a.pk}/versions").json() == []
    for n in range(3):
        assert put(api_a, qr_a, {"rules": [{**DEVICE, "url": f"https://apps.apple.com/{n}"}]}).status_code == 200
    listed = api_a.get(f"/api/qrcodes/{qr_a.pk}/versions").json()
    assert [v["number"] for v in listed] == [4, 3, 2, 1]
    assert listed[-1]["created_by"] is None and listed[-1]["routing"] == {}
    assert [v["number"] for v in api_a.get(f"/api/qrcodes/{qr_a.pk}/versions?limit=2").json()] == [4, 3]
    for bad in ("0", "101", "x", "1e9", "99999999999999999999"):
        r = api_a.get(f"/api/qrcodes/{qr_a.pk}/versions?limit={bad}")
        assert r.status_code == 400 and "limit" in r.json()["detail"]


def test_rollback_and_cancel(api_a, qr_a):
    put(api_a, qr_a, {"rules": [DEVICE]}, qr_url="https://pizzapalace.com/new")
    r = api_a.post(f"/api/qrcodes/{qr_a.pk}/versions/1/rollback")
    assert r.status_code == 201, r.content
    assert r.json()["number"] == 3 and r.json()["note"] == "Rolled back to version 1"
    qr = QRCode.objects.unscoped().get(pk=qr_a.pk)
    assert (qr.qr_url, qr.routing) == ("https://pizzapalace.com/menu", {})
    put(api_a, qr_a, {"rules": [LUNCH]}, effective_at=future(days=3))
    assert api_a.post(f"/api/qrcodes/{qr_a.pk}/versions/4/rollback").status_code == 409  # never applied
    r = api_a.delete(f"/api/qrcodes/{qr_a.pk}/versions/2")
    assert r.status_code == 409 and r.json()["error"] == "conflict"  # applied: history stays
    assert api_a.delete(f"/api/qrcodes/{qr_a.pk}/versions/4").status_code == 204
    assert api_a.delete(f"/api/qrcodes/{qr_a.pk}/versions/4").status_code == 404
    assert api_a.get(rules(qr_a)).json()["scheduled"] == []
    for number in ("99", "99999999999999999999"):
        assert api_a.post(f"/api/qrcodes/{qr_a.pk}/versions/{number}/rollback").status_code == 404
        assert api_a.delete(f"/api/qrcodes/{qr_a.pk}/versions/{number}").status_code == 404


# ---- roles and tenants -------------------------------------------------------------------------

def test_viewers_read_and_try_but_cannot_write(viewer_a, api_a, qr_a):
    put(api_a, qr_a, {"rules": [DEVICE]})
    put(api_a, qr_a, {"rules": [LUNCH]}, effective_at=future(days=3))
    viewer = api_client_for(viewer_a)
    assert viewer.get(rules(qr_a)).status_code == 200
    assert viewer.get(f"/api/qrcodes/{qr_a.pk}/versions").status_code == 200
    assert viewer.post(f"/api/qrcodes/{qr_a.pk}/rules/test", {"user_agent": IPHONE}, format="json").status_code == 200
    for r in (put(viewer, qr_a, {"rules": [SPLIT]}),
              viewer.post(f"/api/qrcodes/{qr_a.pk}/versions/1/rollback"),
              viewer.delete(f"/api/qrcodes/{qr_a.pk}/versions/3")):
        assert r.status_code == 403, r.content
        assert r.json()["error"] == "permission_denied"
    assert DestinationVersion.objects.unscoped().filter(qr_code=qr_a).count() == 3


def test_editors_write(editor_a, qr_a):
    editor = api_client_for(editor_a)
    assert put(editor, qr_a, {"rules": [DEVICE]}).status_code == 200
    assert editor.post(f"/api/qrcodes/{qr_a.pk}/versions/1/rollback").status_code == 201


def test_another_organizations_code_answers_404_like_a_missing_one(api_a, api_b, qr_a, qr_b):
    put(api_b, qr_b, {"rules": [DEVICE]})
    for qr_id in (qr_b.pk, "00000000-0000-0000-0000-000000000000", "nope"):
        base = f"/api/qrcodes/{qr_id}"
        for r in (api_a.get(f"{base}/rules"), api_a.put(f"{base}/rules", {"routing": {}}, format="json"),
                  api_a.post(f"{base}/rules/test", {}, format="json"), api_a.get(f"{base}/versions"),
                  api_a.post(f"{base}/versions/1/rollback"), api_a.delete(f"{base}/versions/2")):
            assert r.status_code == 404, (qr_id, r.request["REQUEST_METHOD"], r.content)
            assert r.json()["error"] == "not_found" and "pizza" not in r.content.decode()
    assert QRCode.objects.unscoped().get(pk=qr_b.pk).routing == {"rules": [DEVICE]}


def test_anonymous_is_refused(client, qr_a):
    assert client.get(rules(qr_a)).status_code == 401


# ---- trying rules ------------------------------------------------------------------------------

def try_rules(api, qr, **body):
    r = api.post(f"/api/qrcodes/{qr.pk}/rules/test", body, format="json")
    assert r.status_code == 200, r.content
    return r.json()


def test_which_rule_fires_for_a_sample_scanner(api_a, qr_a):
    put(api_a, qr_a, {"rules": [DEVICE, SPLIT]})
    hit = try_rules(api_a, qr_a, user_agent=IPHONE)
    assert (hit["url"], hit["rule"], hit["variant"], hit["ended"]) == (APP_STORE, 0, None, False)
    assert "Rule #1 (device: ios) fires" in hit["explanation"] and hit["visitor"]["device"] == "ios"
    hit = try_rules(api_a, qr_a, user_agent=ANDROID, bucket=29)
    assert (hit["url"], hit["rule"], hit["variant"]) == ("https://a.example", 1, 0)
    hit = try_rules(api_a, qr_a, user_agent=ANDROID, bucket=30)
    assert (hit["url"], hit["rule"], hit["variant"]) == ("https://b.example", 1, 1)
    assert "variant 2 of 2" in hit["explanation"]
    again = try_rules(api_a, qr_a, user_agent=DESKTOP)
    assert again["visitor"]["bucket"] == try_rules(api_a, qr_a, user_agent=DESKTOP)["visitor"]["bucket"]  # sticky


def test_a_draft_is_tried_without_saving(api_a, qr_a):
    draft = {"rules": [{"kind": "country", "countries": ["FR"], "url": "https://pizzapalace.fr"},
                       {"kind": "language", "languages": ["de"], "url": "https://pizzapalace.de"}]}
    assert try_rules(api_a, qr_a, routing=draft, country="fr")["url"] == "https://pizzapalace.fr"
    hit = try_rules(api_a, qr_a, routing=draft, country="US", accept_language="de-CH, en;q=0.5")
    assert (hit["url"], hit["rule"]) == ("https://pizzapalace.de", 1)
    hit = try_rules(api_a, qr_a, routing=draft, country="US")
    assert (hit["url"], hit["rule"]) == ("https://pizzapalace.com/menu", None)
    assert hit["explanation"].startswith("No rule matches")
    assert QRCode.objects.unscoped().get(pk=qr_a.pk).routing == {}
    r = api_a.post(f"/api/qrcodes/{qr_a.pk}/rules/test", {"routing": {"rules": [{"kind": "x"}]}}, format="json")
    assert r.status_code == 400 and "rules.0.kind" in r.json()["detail"]


def test_time_is_read_in_the_organizations_zone(api_a, org_a, qr_a):
    org_a.timezone = "Europe/Paris"
    org_a.save(update_fields=["timezone"])
    put(api_a, qr_a, {"rules": [LUNCH]})
    # Monday 2027-03-01: 10:30 UTC is 11:30 in Paris (lunch); 13:30 UTC is 14:30 (not)
    assert try_rules(api_a, qr_a, at="2027-03-01T10:30:00Z")["rule"] == 0
    assert try_rules(api_a, qr_a, at="2027-03-01T13:30:00Z")["rule"] is None
    hit = try_rules(api_a, qr_a, at="2027-03-01T11:00")  # no offset: Paris time
    assert hit["rule"] == 0 and hit["visitor"]["local_time"] == "Mon 2027-03-01 11:00 Europe/Paris"
    assert try_rules(api_a, qr_a, at="2027-03-06T12:00")["rule"] is None  # a Saturday


def test_limits_end_the_code(api_a, qr_a):
    put(api_a, qr_a, {"rules": [DEVICE], "limits": {"expires_on": "2027-03-01", "max_scans": 100,
                                                    "max_scans_url": "https://pizzapalace.com/sold-out"}})
    hit = try_rules(api_a, qr_a, at="2027-03-01T00:00", user_agent=IPHONE)
    assert (hit["url"], hit["rule"], hit["ended"]) == ("", -1, True) and "ended" in hit["explanation"]
    hit = try_rules(api_a, qr_a, at="2027-02-28T23:59", total_scans=100)
    assert (hit["url"], hit["rule"], hit["ended"]) == ("https://pizzapalace.com/sold-out", -2, False)
    assert try_rules(api_a, qr_a, at="2027-02-28T23:59", total_scans=99, user_agent=IPHONE)["rule"] == 0


@pytest.mark.parametrize("body, field", [
    ({"country": "ZZ"}, "country"), ({"country": "FRA"}, "country"), ({"at": "noon"}, "at"),
    ({"at": 10**20}, "at"), ({"bucket": 100}, "bucket"), ({"bucket": "1"}, "bucket"), ({"bucket": True}, "bucket"),
    ({"total_scans": -1}, "total_scans"), ({"total_scans": 10**30}, "total_scans"),
    ({"user_agent": "x" * 5000}, "user_agent"), ({"user_agent": ["x"]}, "user_agent"),
    ({"qr_url": "javascript:x"}, "qr_url"), ({"routing": [1]}, "routing"),
])
def test_bad_samples_answer_400(api_a, qr_a, body, field):
    r = api_a.post(f"/api/qrcodes/{qr_a.pk}/rules/test", body, format="json")
    assert r.status_code == 400, r.content
    assert field in r.json()["detail"]


# ---- the schema ----------------------------------------------------------------------------------

def test_the_routes_are_in_the_openapi_schema():
    paths = api_schema_document()["paths"]
    assert set(paths["/api/qrcodes/{qr_code_id}/rules"]) >= {"get", "put"}
    assert "post" in paths["/api/qrcodes/{qr_code_id}/rules/test"]
    assert "get" in paths["/api/qrcodes/{qr_code_id}/versions"]
    assert "delete" in paths["/api/qrcodes/{qr_code_id}/versions/{number}"]
    assert "post" in paths["/api/qrcodes/{qr_code_id}/versions/{number}/rollback"]
    versions = paths["/api/qrcodes/{qr_code_id}/versions"]["get"]
    assert "not paginated" in versions["description"]
    assert "409" in paths["/api/qrcodes/{qr_code_id}/versions/{number}"]["delete"]["responses"]
    assert all("qrcodes" in op["tags"] for p in paths if "/rules" in p or "/versions" in p
               for op in paths[p].values() if isinstance(op, dict) and "tags" in op)
