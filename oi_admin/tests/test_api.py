"""GET /api/admin/customers and /api/admin/scans/global: staff JWTs only (seed section 8)."""

from __future__ import annotations

import datetime as dt

import pytest
from rest_framework.test import APIClient

from conftest import api_client_for
from oi_admin.cells import scan_cells_ensure
from oi_admin.tests.conftest import at, make_qrs, make_scan

pytestmark = pytest.mark.django_db

ENDPOINTS = ["/api/admin/customers", "/api/admin/scans/global"]


@pytest.mark.parametrize("url", ENDPOINTS)
@pytest.mark.parametrize(
    ("who", "status"),
    [("superuser", 200), ("analyst", 200), ("staff_admin", 200), ("tenant_admin", 403), ("anonymous", 401)],
)
def test_permissions(request, url, who, status, admin_a):
    client = APIClient() if who == "anonymous" else api_client_for(
        admin_a if who == "tenant_admin" else request.getfixturevalue(who))
    response = client.get(url)
    assert response.status_code == status
    if status != 200:
        assert set(response.json()) == {"error", "detail"}
        if status == 403:
            assert response.json()["error"] == "permission_denied"


def test_customers_shape(superuser, world):
    body = api_client_for(superuser).get("/api/admin/customers").json()
    assert body["count"] == 6
    pizza = next(c for c in body["results"] if c["company_name"] == "Pizza")
    assert pizza["user_count"] == 4  # the seed's /customers counts every user, invited too
    # One figure each, under both keys: active QR codes (3 active + 1 paused) and upload bytes.
    assert pizza["qr_count"] == pizza["total_qr_codes"] == 3
    assert pizza["storage_used"] == pizza["storage_used_bytes"] == 1024**3 + 1024**3 // 2
    assert pizza["storage_used_display"] == "1.5\xa0GB"
    assert pizza["plan_type"] == "small_business" and pizza["monthly_price"] == "0.00"


def test_scans_global_shape(superuser, world):
    qr = make_qrs(world.acme, 1)[0]
    day = dt.datetime.now(dt.UTC).date() - dt.timedelta(days=1)
    for s in ("a", "b"):
        make_scan(world.acme, qr, at(day, 10), scanner=s)
    scan_cells_ensure(start=day, end=day)  # the worker that keeps the console's cells (oi_admin.tasks)
    body = api_client_for(superuser).get("/api/admin/scans/global").json()
    assert body["results"] == [{"country": "United States", "country_code": "US", "city": "Chicago",
                                "scan_count": 2, "lat": pytest.approx(41.88), "lng": pytest.approx(-87.63)}]


def test_scans_global_rejects_a_bad_window(superuser):
    response = api_client_for(superuser).get("/api/admin/scans/global?start=yesterday")
    assert response.status_code == 400 and response.json()["error"] == "validation_error"
