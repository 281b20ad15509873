"""Bad bytes never reach a view (issue 11): a NUL or invalid UTF-8 in the path, the query
string, a cookie or a urlencoded form body answers 400 from one middleware
(core.request_guard), JSON under /api/ and a small page elsewhere, never a 500.
Headers are not refused: a scan from a client with a junk User-Agent is still a scan (the scan
capture cleans what it stores)."""

from __future__ import annotations

import pytest
from django.test import Client

from core.scoping import bind_organization
from oi_admin.tests.conftest import make_staff
from qrcodes.services import qr_code_create
from tenants.models import ActivityLog

pytestmark = pytest.mark.django_db


def anonymous() -> Client:
    return Client(raise_request_exception=False)


def logged_in(user) -> Client:
    client = anonymous()
    client.force_login(user)
    return client


def assert_page_400(response) -> None:
    assert response.status_code == 400, response.content[:300]
    assert response["Content-Type"].startswith("text/html")
    assert "Bad request" in response.content.decode()


def assert_json_400(response) -> None:
    assert response.status_code == 400, response.content[:300]
    body = response.json()
    assert body["error"] == "invalid_request" and body["detail"]


@pytest.fixture
def qr_a(org_a, admin_a):
    with bind_organization(org_a):
        return qr_code_create(organization=org_a, actor=admin_a,
                              data={"name": "Door", "qr_url": "https://a.example/menu"})


@pytest.mark.parametrize("path", [
    "/c/%00", "/c/abc%00def", "/s/%00", "/login%00", "/c/%ff", "/c/%c3%28", "/%00",
])
def test_bad_bytes_in_a_page_path_answer_400(db, path):
    assert_page_400(anonymous().get(path))


@pytest.mark.parametrize("path", ["/api/qrcodes/%00", "/api/qrcodes/scan/%00", "/api/qrcodes/%ff"])
def test_bad_bytes_in_an_api_path_answer_json_400(admin_a, path):
    from conftest import api_client_for

    client = api_client_for(admin_a)
    client.raise_request_exception = False
    assert_json_400(client.get(path))
    assert_json_400(anonymous().get(path))


@pytest.mark.parametrize("query", [
    "action=%00", "action=a%00b", "%00=1", "a%00=1", "q=%ff", "q=%c3%28", "q=%ED%A0%80", "q=x&action=%00",
])
def test_bad_bytes_in_the_query_answer_400(admin_a, query):
    assert_page_400(logged_in(admin_a).get(f"/activity?{query}"))


def test_activity_filter_still_works(admin_a):
    response = logged_in(admin_a).get("/activity?action=login&q=caf%C3%A9")
    assert response.status_code == 200


def test_api_query_with_nul_answers_json_400(admin_a):
    from conftest import api_client_for

    client = api_client_for(admin_a)
    client.raise_request_exception = False
    assert_json_400(client.get("/api/qrcodes?search=%00"))
    assert_json_400(client.get("/api/analytics/stats?from=%00"))


@pytest.mark.parametrize("query", [
    "q=%00", "action__exact=%00", "organization__id__exact=%00", "created_at__gte=%00", "o=%00", "q=%ff",
])
def test_admin_changelist_filters_with_bad_bytes_answer_400(db, query):
    staff = make_staff("root@outboundimpact.com", superuser=True)
    assert_page_400(logged_in(staff).get(f"/admin/tenants/activitylog/?{query}"))
    assert_page_400(logged_in(staff).get(f"/admin/tenants/user/?{query}"))


def test_nul_in_a_cookie_answers_400(db):
    client = anonymous()
    client.cookies["sessionid"] = "abc\x00def"
    assert_page_400(client.get("/login"))
    # an octal escape that the cookie parser turns into NUL, and a raw NUL
    assert_page_400(anonymous().get("/login", HTTP_COOKIE='sessionid="\\000abc"'))
    assert_page_400(anonymous().get("/login", HTTP_COOKIE="csrftoken=a\x00b; theme=dark"))
    client = anonymous()
    client.cookies["sessionid"] = "abc\x00def"
    assert_json_400(client.get("/api/team"))


def test_invalid_utf8_in_a_cookie_answers_400(db):
    client = anonymous()
    response = client.get("/login", HTTP_COOKIE="theme=caf\xe9")  # latin-1 é: not UTF-8
    assert_page_400(response)


@pytest.mark.parametrize("body", [
    "email=a%00%40b.example&password=x", "email=a%40b.example&pass%00word=x", "email=caf%ff&password=x",
    "email=a\x00b&password=x",
])
def test_urlencoded_post_with_bad_bytes_answers_400(db, body):
    response = anonymous().post("/login", body, content_type="application/x-www-form-urlencoded")
    assert_page_400(response)


def test_urlencoded_post_to_the_api_with_nul_answers_json_400(db):
    response = anonymous().post("/api/auth/login", "email=a%00&password=x",
                                content_type="application/x-www-form-urlencoded")
    assert_json_400(response)


def test_a_good_login_form_post_still_works(admin_a, password):
    response = anonymous().post("/login", {"email": admin_a.email, "password": password})
    assert response.status_code == 302
    assert ActivityLog.all_orgs.filter(action="login").exists()


def test_multipart_upload_content_is_not_inspected(admin_a):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from conftest import api_client_for
    from uploads.tests.samples import pdf_bytes

    body = pdf_bytes() + b"%\x00\xff\x00\n"
    client = api_client_for(admin_a)
    response = client.post("/api/uploads", {"file": SimpleUploadedFile("menu.pdf", body, "application/pdf")},
                           format="multipart")
    assert response.status_code == 201, response.content


def test_scans_with_clean_requests_are_unaffected(qr_a):
    response = anonymous().get(f"/s/{qr_a.short_code}?utm_source=poster&x=caf%C3%A9")
    assert response.status_code == 302


def test_clean_non_ascii_input_passes(db):
    client = anonymous()
    assert client.get("/c/caf%C3%A9").status_code == 404  # a path in UTF-8: not found, not refused
    assert client.get("/login?next=/caf%C3%A9", HTTP_COOKIE="theme=caf\xc3\xa9").status_code == 200  # é in UTF-8


def test_the_400_page_carries_the_security_headers(db):
    response = anonymous().get("/c/%00")
    assert_page_400(response)
    assert "Content-Security-Policy" in response and response["X-Content-Type-Options"] == "nosniff"


def test_a_form_body_too_large_answers_400(db, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = anonymous().post("/login", "email=a%40b.example&password=" + "x" * 2000,
                                content_type="application/x-www-form-urlencoded")
    assert_page_400(response)
    assert "larger than 1000 bytes" in response.content.decode()
