"""Schemathesis against /api/schema/: requests generated from the schema, sent as the Admin of
an enterprise organization with data, must never answer 5xx and every answer must be in the
schema (a documented status code and content type, a body matching its schema).

The schema is the one /api/schema/ serves (tests/test_schema.py checks they are equal), built
at import so that each operation is its own pytest test. The app is called through its WSGI
handler in this process (the whole middleware stack, no socket), and every example runs in a
savepoint that is rolled back afterwards: each example sees the same data, whatever the one
before it deleted. Path ids are drawn from the fixture's real objects or at random, so both
the "found" and the "not found" branches run.

Bounded and deterministic: FUZZ_EXAMPLES examples per operation (plus the schema's explicit
examples), a fixed seed, no example database. Every operation is included; the staff
endpoints (/api/admin/...) are called as an OI staff account.

Hostile input (issue 11), same operations and users: a second schemathesis run rewrites each
generated case into NUL-bearing strings (in a query value, a body value or key, a path id) or
extreme dates (0001-01-01, 9999-12-31 in every date / date-time parameter and body field), and
three table-driven tests send, to every operation, a NUL in each parameter and body field, each
date field at both extremes, and a 100,000-deep JSON array to each JSON body. None may answer
5xx. FUZZ_HOSTILE_EXAMPLES examples per operation.
"""

from __future__ import annotations

import copy
import json
import os
import random
from typing import Any
from urllib.parse import urlencode

import pytest
import schemathesis
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from django.test import Client
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.core import NOT_SET
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tenants.tests.factories import OrganizationFactory, UserFactory, staff_user
from tenants.tokens import tokens_for
from tests.conftest import api_schema_document, world_build
from uploads.tests.samples import pdf_bytes

FUZZ_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "25"))
FUZZ_SEED = 20260707
CHECKS_RUN = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
REAL = "real-object-"  # a generated path id that the test replaces with the fixture's object of that kind
PATH_KINDS = {"qr_code_id": ("qr_code", "content_qr_code"), "campaign_id": ("campaign",),
              "upload_id": ("upload",), "user_id": ("user",), "kit_id": ("brand_kit",),
              "import_id": ("bulk_import",)}
PATH_NUMBERS = {"number": "1"}  # path parameters that are not object ids: the first artwork version

CONFIG = schemathesis.Config.from_dict({
    "seed": FUZZ_SEED,
    "generation": {"max-examples": FUZZ_EXAMPLES, "deterministic": True, "database": "none"},
    "phases": {"coverage": {"enabled": False}, "stateful": {"enabled": False}},
})


DOCUMENT = api_schema_document()
schema = schemathesis.openapi.from_dict(copy.deepcopy(DOCUMENT), config=CONFIG)
schema.app = WSGIHandler()


@schema.hook
def before_generate_path_parameters(context, strategy):
    names = {p.name for p in context.operation.path_parameters}
    if not names or not names <= set(PATH_KINDS):
        return strategy
    real = st.fixed_dictionaries({
        n: st.sampled_from([f"{REAL}{kind}" for kind in PATH_KINDS[n]]) for n in sorted(names)})
    return st.one_of(strategy, real)


@pytest.fixture
def fuzz_tenant(db):
    org = OrganizationFactory(company_name="Fuzz Enterprise", plan_type="enterprise")
    admin = UserFactory(organization=org, email="admin@fuzz.example", role="Admin")
    world = world_build(org, admin, tag="fuzz")
    other_org = OrganizationFactory(company_name="Other", plan_type="medium_business")
    world_build(other_org, UserFactory(organization=other_org, role="Admin"), tag="other")
    return world


@pytest.fixture
def fuzz_staff(db):
    return staff_user()


@pytest.fixture
def in_process_requests():
    # Like django.test.Client: a request must not close the test's connection (it is inside
    # the test's transaction).
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.mark.slow
@schema.parametrize()
# The fixtures hold for all examples of an operation on purpose: each example is rolled back.
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
def test_api_answers_within_its_schema(case, fuzz_tenant, fuzz_staff, in_process_requests):
    call_and_check(case, fuzz_tenant, fuzz_staff, CHECKS_RUN)


def call_and_check(case, fuzz_tenant, fuzz_staff, checks) -> None:
    # The staff API is fuzzed as an OI staff account (the tenant Admin's 403 is in the matrix).
    user = fuzz_staff if case.operation.path.startswith("/api/admin/") else fuzz_tenant.admin
    headers = {"Authorization": f"Bearer {tokens_for(user)['token']}"}
    for name, value in list((case.path_parameters or {}).items()):
        if isinstance(value, str) and value.startswith(REAL):
            case.path_parameters[name] = fuzz_tenant.id(value.removeprefix(REAL))
    with transaction.atomic():
        response = case.call(headers=headers)
        try:
            case.validate_response(response, checks=checks, headers=headers)
        finally:
            transaction.set_rollback(True)


# --- hostile input (issue 11) -------------------------------------------------------------------

HOSTILE_EXAMPLES = int(os.environ.get("FUZZ_HOSTILE_EXAMPLES", "15"))
HOSTILE_CONFIG = schemathesis.Config.from_dict({
    "seed": FUZZ_SEED,
    "generation": {"max-examples": HOSTILE_EXAMPLES, "deterministic": True, "database": "none"},
    "phases": {"examples": {"enabled": False}, "coverage": {"enabled": False}, "stateful": {"enabled": False}},
})
DATE_FORMATS = ("date", "date-time")
EXTREMES = {
    "date": ["0001-01-01", "9999-12-31"],
    # the offsets push the instant past year 1 / year 9999 once it is converted to UTC
    "date-time": ["0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "0001-01-01T00:00:00+14:00",
                  "9999-12-31T23:59:59-12:00"],
}
DEEP_JSON = "[" * 100_000 + "]" * 100_000
# A valid body to put one hostile field into, for each operation whose body has required fields.
BODY_BASES: dict[tuple[str, str], dict[str, Any]] = {
    ("POST", "/api/activity/track"): {"action": "qr_code_download", "entity_type": "qr_code",
                                      "entity_id": "00000000-0000-0000-0000-000000000000"},
    ("POST", "/api/auth/login"): {"email": "admin@fuzz.example", "password": "wrong-password"},
    ("POST", "/api/auth/logout"): {"refresh": "not-a-token"},
    ("POST", "/api/auth/refresh"): {"refresh": "not-a-token"},
    ("POST", "/api/auth/register"): {"company_name": "Hostile", "company_email": "hq@hostile.example",
                                     "email": "hostile@fuzz.example", "full_name": "Hostile",
                                     "password": "Wide-Harbour-2026", "plan_type": "small_business"},
    ("POST", "/api/campaigns"): {"name": "Hostile campaign"},
    ("POST", "/api/qrcodes"): {"name": "Hostile", "qr_url": "https://fuzz.example/menu"},
    ("POST", "/api/team"): {"email": "invitee@fuzz.example", "role": "Viewer"},
}
# Required query parameters, so that the hostile one reaches the view's own checks.
QUERY_BASES: dict[tuple[str, str], dict[str, Any]] = {
    ("GET", "/api/analytics/breakdown"): {"by": "country"},
}

hostile_schema = schemathesis.openapi.from_dict(copy.deepcopy(DOCUMENT), config=HOSTILE_CONFIG)
hostile_schema.app = WSGIHandler()
hostile_schema.hook(before_generate_path_parameters)


def _resolve(fragment: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in fragment:
        fragment = DOCUMENT["components"]["schemas"][fragment["$ref"].rsplit("/", 1)[1]]
    return fragment


def _operations() -> list[tuple[str, str, dict[str, Any]]]:
    return [(method.upper(), path, op) for path, ops in DOCUMENT["paths"].items()
            for method, op in ops.items() if method in ("get", "post", "put", "patch", "delete")]


def _body_schema(op: dict[str, Any]) -> tuple[str | None, dict[str, Any]]:
    for media_type, media in op.get("requestBody", {}).get("content", {}).items():
        return media_type, {name: _resolve(prop) for name, prop in _resolve(media["schema"]).get("properties", {}).items()}
    return None, {}


def date_fields(method: str, path: str) -> dict[str, dict[str, str]]:
    """The date / date-time query parameters and top-level body fields of an operation."""
    op = DOCUMENT["paths"][path][method.lower()]
    query = {p["name"]: p["schema"]["format"] for p in op.get("parameters", [])
             if p["in"] == "query" and p.get("schema", {}).get("format") in DATE_FORMATS}
    body = {name: prop["format"] for name, prop in _body_schema(op)[1].items() if prop.get("format") in DATE_FORMATS}
    return {"query": query, "body": body}


def _with_nul(value: Any, rng: random.Random) -> str:
    text = value if isinstance(value, str) else json.dumps(value)
    cut = rng.randint(0, len(text))
    return rng.choice(["\x00", f"{text[:cut]}\x00{text[cut:]}", "\x00" * 3])


def _nul_spots(container: Any, *, keys: bool = True) -> list[tuple[Any, Any, bool]]:
    """(parent, key, is_key) for every string / scalar leaf and (if `keys`) every dict key,
    without recursion."""
    spots, stack = [], [container]
    while stack:
        item = stack.pop()
        pairs = item.items() if isinstance(item, dict) else enumerate(item) if isinstance(item, list) else ()
        for key, value in list(pairs):
            if isinstance(value, (dict, list)):
                stack.append(value)
            elif not isinstance(value, bytes) and not (isinstance(value, str) and value.startswith(REAL)):
                spots.append((item, key, False))
            if keys and isinstance(item, dict):
                spots.append((item, key, True))
    return spots


def hostile_case(case: Any, mode: str, rng: random.Random) -> Any:
    """A copy of a generated case with NUL-bearing strings or extreme dates."""
    query = copy.deepcopy(case.query or {})
    body = case.body if case.body is NOT_SET else copy.deepcopy(case.body)
    path_parameters = dict(case.path_parameters or {})
    dates = date_fields(case.operation.method, case.operation.path)
    if mode == "dates" and (dates["query"] or (dates["body"] and isinstance(body, dict))):
        query.update({name: rng.choice(EXTREMES[fmt]) for name, fmt in dates["query"].items()})
        if isinstance(body, dict):
            body.update({name: rng.choice(EXTREMES[fmt]) for name, fmt in dates["body"].items()})
    else:
        spots = _nul_spots(query) + _nul_spots(path_parameters, keys=False) + (_nul_spots(body) if body is not NOT_SET else [])
        if not spots:
            query["q"] = "\x00"
        for parent, key, is_key in spots if rng.random() < 0.3 else [rng.choice(spots)] if spots else []:
            if isinstance(parent, dict) and key not in parent:
                continue  # renamed already: two NUL spellings met
            if is_key:
                parent[_with_nul(key, rng)] = parent.pop(key)
            else:
                parent[key] = _with_nul(parent[key], rng)
    return case.operation.Case(path_parameters=path_parameters, headers=dict(case.headers or {}),
                               cookies=dict(case.cookies or {}), query=query, body=body, media_type=case.media_type,
                               multipart_content_types=case.multipart_content_types)


@hostile_schema.hook
def flatmap_case(context, case):
    return st.tuples(st.sampled_from(["nul", "dates"]), st.randoms(use_true_random=False)).map(
        lambda drawn: hostile_case(case, *drawn))


@pytest.mark.slow
@hostile_schema.parametrize()
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
def test_hostile_input_never_answers_5xx(case, fuzz_tenant, fuzz_staff, in_process_requests):
    call_and_check(case, fuzz_tenant, fuzz_staff, [not_a_server_error])


# The same, table-driven: every parameter and body field of every operation, every date extreme.

def hostile_requests(method: str, path: str) -> list[tuple[str, str, Any]]:
    """(where, name, value) of every NUL, extreme-date and deep-JSON request for an operation."""
    op = DOCUMENT["paths"][path][method.lower()]
    media_type, properties = _body_schema(op)
    requests = [(p["in"], p["name"], "a\x00b") for p in op.get("parameters", [])]
    for name, prop in properties.items():
        requests.append(("body", name, "a\x00b"))
        if prop.get("format") == "binary":
            requests.append(("file-name", name, "menu\x00.pdf"))
    if media_type == "application/json":
        requests += [("body", "\x00", "key"), ("raw-body", "deep array", DEEP_JSON)]
    dates = date_fields(method, path)
    for where, fields in dates.items():
        for name, fmt in fields.items():
            requests += [(where, name, value) for value in EXTREMES[fmt]]
    if len(dates["query"]) > 1:  # the whole range at once, both ways round
        for ends in (("0001-01-01", "9999-12-31"), ("9999-12-31", "0001-01-01")):
            requests.append(("query", "&".join(dates["query"]), dict(zip(dates["query"], ends, strict=False))))
    return requests


def _hostile_call(client: Client, method: str, path: str, where: str, name: str, value: Any,
                  path_values: dict[str, str]) -> Any:
    op = DOCUMENT["paths"][path][method.lower()]
    media_type = _body_schema(op)[0]
    path_values = dict(path_values)
    query: dict[str, Any] = dict(QUERY_BASES.get((method, path), {}))
    body: dict[str, Any] = dict(BODY_BASES.get((method, path), {}))
    if where == "path":
        path_values[name] = value
    elif where == "query":
        query.update(value if isinstance(value, dict) else {name: value})
    elif where == "body":
        body[name] = value
    elif where == "file-name":
        body[name] = SimpleUploadedFile(value, pdf_bytes(), "application/pdf")
    url, query_string = path.format(**path_values), urlencode(query)
    if media_type == "multipart/form-data":
        body.setdefault("file", SimpleUploadedFile("menu.pdf", pdf_bytes(), "application/pdf"))
        return client.generic(method, url, encode_multipart(BOUNDARY, body), content_type=MULTIPART_CONTENT,
                              QUERY_STRING=query_string)
    if media_type:
        raw = value if where == "raw-body" else json.dumps(body)
        return client.generic(method, url, raw, content_type="application/json", QUERY_STRING=query_string)
    return client.generic(method, url, QUERY_STRING=query_string)


@pytest.mark.slow
@pytest.mark.parametrize(("method", "path"), [pytest.param(m, p, id=f"{m} {p}") for m, p, _ in _operations()])
def test_every_field_refuses_nul_extreme_dates_and_deep_json(method, path, fuzz_tenant, fuzz_staff):
    user = fuzz_staff if path.startswith("/api/admin/") else fuzz_tenant.admin
    client = Client(raise_request_exception=False, HTTP_AUTHORIZATION=f"Bearer {tokens_for(user)['token']}")
    op = DOCUMENT["paths"][path][method.lower()]
    path_values = {p["name"]: PATH_NUMBERS.get(p["name"]) or fuzz_tenant.id(PATH_KINDS[p["name"]][0])
                   for p in op.get("parameters", []) if p["in"] == "path"}
    server_errors = []
    for where, name, value in hostile_requests(method, path):
        with transaction.atomic():  # each request sees the same data
            response = _hostile_call(client, method, path, where, name, value, path_values)
            transaction.set_rollback(True)
        if response.status_code >= 500:
            server_errors.append(f"{where} {name!r}={str(value)[:40]!r}: {response.status_code} {response.content[:200]!r}")
    assert not server_errors, "\n".join(server_errors)
