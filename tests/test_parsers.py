"""JSON bodies (issue 11): every JSON route refuses a body nested too deep, a NUL in any string
or key, and a body above the size limit with 400 {"error": ..., "detail": ...}, never a 500 or
Django's HTML 400 page. Multipart uploads keep working. Malformed JSON keeps DRF's code
"parse_error" (an existing contract); a body too large answers "request_too_large"."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from rest_framework.exceptions import ParseError

from core.parsers import MAX_JSON_DEPTH, JSONParser, json_depth_exceeds
from core.scoping import bind_organization
from qrcodes.models import ScanEvent
from qrcodes.services import qr_code_create

pytestmark = pytest.mark.django_db

JSON = "application/json"


def anonymous() -> Client:
    return Client(raise_request_exception=False)


def assert_json_400(response, code: str = "parse_error") -> dict:
    assert response.status_code == 400, response.content[:300]
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["error"] == code and body["detail"], body
    return body


@pytest.fixture
def qr_a(org_a, admin_a):
    with bind_organization(org_a):
        return qr_code_create(organization=org_a, actor=admin_a,
                              data={"name": "Door", "qr_url": "https://a.example/menu"})


# --- the depth scan on its own -----------------------------------------------------------------

@pytest.mark.parametrize(("text", "too_deep"), [
    ("[]", False), ("{}", False), ('"[[[["', False), ('{"a": "{{{{{{{{"}', False),
    ("[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH, False),
    ("[" * (MAX_JSON_DEPTH + 1) + "]" * (MAX_JSON_DEPTH + 1), True),
    ('{"a":' * (MAX_JSON_DEPTH + 1) + "1" + "}" * (MAX_JSON_DEPTH + 1), True),
    ('["\\"[' + "[" * 40 + '"]', False),  # brackets inside a string with an escaped quote
    ('["\\\\"' + ", [" * 40, True),  # an escaped backslash ends the string
])
def test_depth_scan(text, too_deep):
    assert json_depth_exceeds(text, MAX_JSON_DEPTH) is too_deep


def test_depth_scan_handles_a_million_brackets_without_recursion():
    assert json_depth_exceeds("[" * 1_000_000, MAX_JSON_DEPTH) is True


def test_parser_rejects_nul_anywhere():
    import io

    parser = JSONParser()
    for text in ('{"a\\u0000": 1}', '{"a": "b\\u0000"}', '[["x\\u0000y"]]', '"\\u0000"'):
        with pytest.raises(ParseError):
            parser.parse(io.BytesIO(text.encode()), JSON, {})
    assert parser.parse(io.BytesIO(b'{"a": "\\\\u0000"}'), JSON, {}) == {"a": "\\u0000"}  # text, not NUL


# --- through the routes ------------------------------------------------------------------------

@pytest.mark.parametrize("body", [
    "[" * 100_000 + "]" * 100_000,
    '{"a":' * 100_000 + "1" + "}" * 100_000,
    '{"email": ' + "[" * 100_000 + "]" * 100_000 + "}",
])
def test_deep_json_answers_400_on_login(db, body):
    assert_json_400(anonymous().post("/api/auth/login", body, content_type=JSON))


def test_deep_json_answers_400_on_the_public_scan_api(qr_a):
    body = '{"referrer": ' + "[" * 100_000 + "]" * 100_000 + "}"
    assert_json_400(anonymous().post(f"/api/qrcodes/scan/{qr_a.pk}", body, content_type=JSON))
    assert not ScanEvent.all_orgs.exists()


def test_deep_json_answers_400_on_an_authenticated_route(admin_a):
    from conftest import api_client_for

    client = api_client_for(admin_a)
    client.raise_request_exception = False
    body = "[" * 100_000 + "]" * 100_000
    assert_json_400(client.generic("POST", "/api/qrcodes", body, content_type=JSON))
    assert_json_400(client.generic("PATCH", "/api/team/" + str(admin_a.pk), body, content_type=JSON))


@pytest.mark.parametrize("body", [
    {"email\u0000": "a@b.example", "password": "x"},
    {"email": "a\u0000@b.example", "password": "x"},
    {"email": "a@b.example", "password": "x\u0000"},
])
def test_nul_in_json_answers_400_on_login(db, body):
    assert_json_400(anonymous().post("/api/auth/login", json.dumps(body), content_type=JSON))


@pytest.mark.parametrize("body", [{"referrer": "insta\u0000gram.com"}, {"referrer\u0000": "x"}])
def test_nul_in_json_answers_400_on_the_public_scan_api(qr_a, body):
    assert_json_400(anonymous().post(f"/api/qrcodes/scan/{qr_a.pk}", json.dumps(body), content_type=JSON))
    assert not ScanEvent.all_orgs.exists()


def test_nul_in_json_answers_400_on_a_write(admin_a):
    from conftest import api_client_for

    client = api_client_for(admin_a)
    client.raise_request_exception = False
    assert_json_400(client.post("/api/qrcodes", {"name": "Door\u0000", "qr_url": "https://a.example/"},
                                format="json"))


@pytest.mark.parametrize("size", [10 * 1024 * 1024, 3 * 1024 * 1024])
def test_a_large_json_body_answers_json_400_on_login(db, size):
    body = json.dumps({"email": "a@b.example", "password": "x" * size})
    response = anonymous().post("/api/auth/login", body, content_type=JSON)
    assert response.status_code in (400, 413), response.content[:300]
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["error"] == "request_too_large"


def test_a_large_json_body_answers_json_400_on_the_scan_api(qr_a):
    body = json.dumps({"referrer": "x" * (10 * 1024 * 1024)})
    response = anonymous().post(f"/api/qrcodes/scan/{qr_a.pk}", body, content_type=JSON)
    assert response.status_code in (400, 413) and response.json()["error"] == "request_too_large"
    assert not ScanEvent.all_orgs.exists()


def test_malformed_json_keeps_answering_parse_error(db):
    assert_json_400(anonymous().post("/api/auth/login", "{not json", content_type=JSON))
    assert_json_400(anonymous().post("/api/auth/login", b'{"email": "\xff"}', content_type=JSON))
    assert_json_400(anonymous().post("/api/auth/login", '{"email": "a\x00"}', content_type=JSON))  # raw NUL


@pytest.mark.parametrize("text", ['{"email": "a\\ud800b"}', '{"a\\uDFFF": 1}'])
def test_a_lone_surrogate_answers_400(db, text):
    assert_json_400(anonymous().post("/api/auth/login", text, content_type=JSON))


def test_ordinary_json_still_works(admin_a, password, qr_a):
    response = anonymous().post("/api/auth/login", json.dumps({"email": admin_a.email, "password": password}),
                                content_type=JSON)
    assert response.status_code == 200 and response.json()["token"]
    nested = {"referrer": "instagram.com", "extra": [[[{"a": [1, 2, {"b": "c"}]}]]]}
    response = anonymous().post(f"/api/qrcodes/scan/{qr_a.pk}", json.dumps(nested), content_type=JSON)
    assert response.status_code == 200


def test_every_api_view_parses_json_with_the_guarded_parser():
    from django.urls import get_resolver
    from rest_framework.parsers import JSONParser as DRFJSONParser
    from rest_framework.views import APIView

    def views(patterns):
        for p in patterns:
            if hasattr(p, "url_patterns"):
                yield from views(p.url_patterns)
            else:
                cls = getattr(p.callback, "cls", None) or getattr(p.callback, "view_class", None)
                if isinstance(cls, type) and issubclass(cls, APIView):
                    yield cls

    seen = 0
    for cls in views(get_resolver().url_patterns):
        json_parsers = [p for p in cls().get_parsers() if isinstance(p, DRFJSONParser)]
        assert all(isinstance(p, JSONParser) for p in json_parsers), cls
        seen += 1
    assert seen > 10
