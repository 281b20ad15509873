"""The API contract: the OpenAPI document validates with no warning, documents every error
with the one error body, pages (or bounds) every list, and the Swagger UI loads from here."""

from __future__ import annotations

import base64
import hashlib
import re
from html.parser import HTMLParser
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client

from tests.conftest import api_schema_document

ERROR_REF = "#/components/schemas/ErrorResponse"
METHODS = ("get", "post", "put", "patch", "delete")
# Lists that are bounded rather than paged: by `limit` (max 100 or 1,000; the seed's shapes)
# or by the date range (one point per day of at most 3,660 days), or by what they describe
# (an import's row errors: at most 500 and a line counting the rest).
BOUNDED_BY_RANGE = {"/api/analytics/scans", "/api/qrcodes/import/{import_id}"}


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    return api_schema_document()


def _operations(document: dict) -> list[tuple[str, str, dict]]:
    return [(path, method, op) for path, item in document["paths"].items() for method, op in item.items()
            if method in METHODS]


def _resolve(document: dict, schema: dict) -> dict:
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = document["components"]["schemas"][name]
    return schema


def test_schema_validates_without_warnings(tmp_path):
    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    assert "openapi: 3" in out.read_text()


@pytest.mark.django_db
def test_the_served_schema_is_the_one_tested(client, document):
    r = client.get("/api/schema/?format=json")
    assert r.status_code == 200
    assert r.json() == document


def test_the_error_body_is_one_component(document):
    error = document["components"]["schemas"]["ErrorResponse"]
    assert error["required"] == ["detail", "error"] or sorted(error["required"]) == ["detail", "error"]
    assert error["properties"]["error"]["type"] == "string"
    assert "type" not in error["properties"]["detail"]  # any JSON: a message or messages per field


def test_every_error_response_is_the_error_body(document):
    for path, method, op in _operations(document):
        codes = set(op["responses"])
        assert codes & {"400", "401", "403", "404"}, f"{method.upper()} {path} documents no error"
        for code, response in op["responses"].items():
            if code.startswith(("4", "5")):
                content = response.get("content", {})
                assert list(content) == ["application/json"], (method, path, code)
                assert content["application/json"]["schema"] == {"$ref": ERROR_REF}, (method, path, code)
                assert response["description"], (method, path, code)


def test_authenticated_operations_document_401_and_403(document):
    for path, method, op in _operations(document):
        if op.get("security") and {} not in op["security"]:
            assert {"401", "403"} <= set(op["responses"]), f"{method.upper()} {path}"
        if "{" in path:
            assert "404" in op["responses"], f"{method.upper()} {path}"
        if "requestBody" in op:
            assert {"400", "415"} <= set(op["responses"]), f"{method.upper()} {path}"


def _arrays_in(document: dict, schema: dict) -> list[str]:
    """Names of the array properties of a response (or "<body>" if it is one)."""
    schema = _resolve(document, schema)
    if schema.get("type") == "array":
        return ["<body>"]
    return [name for name, prop in schema.get("properties", {}).items()
            if _resolve(document, prop).get("type") == "array"]


def test_every_list_is_paginated_or_bounded(document):
    for path, method, op in _operations(document):
        ok = op["responses"].get("200", {}).get("content", {}).get("application/json")
        if method != "get" or not ok:
            continue
        arrays = _arrays_in(document, ok["schema"])
        if not arrays:
            continue
        params = {p["name"] for p in op.get("parameters", [])}
        props = _resolve(document, ok["schema"]).get("properties", {})
        if {"page", "page_size"} <= params:
            assert {"count", "next", "previous"} <= set(props), f"GET {path}: paged without count/next/previous"
        else:
            assert "limit" in params or path in BOUNDED_BY_RANGE, f"GET {path} lists {arrays} without paging"
            assert "not paginated" in op.get("description", ""), f"GET {path}: say how the list is bounded"


@pytest.mark.django_db
@pytest.mark.parametrize(("path", "keys"), [
    ("/api/team", {"contributors_used", "max_contributors", "count", "next", "previous", "users"}),
    ("/api/campaigns/stats", {"total_campaigns", "count", "next", "previous", "campaigns"}),
    ("/api/qrcodes", {"count", "next", "previous", "results"}),
])
def test_paged_lists_answer_their_documented_keys(api_a, path, keys):
    r = api_a.get(f"{path}?page_size=1")
    assert r.status_code == 200, r.content
    assert set(r.json()) == keys
    assert api_a.get(f"{path}?page=99").json()["error"] == "not_found"


class _Assets(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.inline_scripts: list[tuple[dict, str]] = []  # (attributes, code)
        self._inline: dict | None = None

    def handle_starttag(self, tag: str, attrs: list) -> None:
        a = dict(attrs)
        if tag == "script":
            if a.get("src"):
                self.urls.append(a["src"])
            else:
                self._inline = a
        elif tag == "link" and a.get("href"):
            self.urls.append(a["href"])
        elif tag == "img" and a.get("src"):
            self.urls.append(a["src"])

    def handle_data(self, data: str) -> None:
        if self._inline is not None:
            self.inline_scripts.append((self._inline, data))
            self._inline = None


@pytest.mark.django_db
def test_swagger_ui_loads_every_asset_from_this_site():
    client = Client()
    page = client.get("/api/docs/")
    assert page.status_code == 200
    assets = _Assets()
    assets.feed(page.content.decode())
    assert any(u.endswith("swagger-ui-bundle.js") for u in assets.urls)
    assert any(u.endswith("swagger-ui.css") for u in assets.urls)
    for url in assets.urls:
        assert url.startswith("/") and not url.startswith("//"), f"{url} is not served by this site"
        r = client.get(url)
        assert r.status_code == 200, url
        body = b"".join(r.streaming_content) if r.streaming else r.content
        assert body, url
    # The UI then reads the schema from here too.
    assert client.get("/api/schema/").status_code == 200


def _csp_allows_inline(csp: str, attrs: dict, code: str) -> bool:
    script_src = next((d for d in csp.split(";") if d.strip().startswith("script-src")), "")
    if "'unsafe-inline'" in script_src and "'nonce-" not in script_src and "'sha256-" not in script_src:
        return True
    digest = base64.b64encode(hashlib.sha256(code.encode()).digest()).decode()
    nonce = attrs.get("nonce")
    return f"'sha256-{digest}'" in script_src or (bool(nonce) and f"'nonce-{nonce}'" in script_src)


@pytest.mark.django_db
def test_swagger_ui_scripts_may_run_under_the_content_security_policy():
    page = Client().get("/api/docs/")
    csp = page.get("Content-Security-Policy", "")
    if not csp:
        return  # no policy: nothing can block the page
    assets = _Assets()
    assets.feed(page.content.decode())
    blocked = [a for a, code in assets.inline_scripts if not _csp_allows_inline(csp, a, code)]
    assert not blocked, f"inline scripts the CSP blocks: {len(blocked)}; policy {re.sub(r'nonce-[^ ]+', 'nonce-*', csp)}"
