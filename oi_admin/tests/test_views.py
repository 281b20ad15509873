"""Every report page renders its table and charts and exports CSV; windows are validated."""

from __future__ import annotations

import csv
import io

import pytest

from oi_admin.reports import REPORTS
from oi_admin.tests.conftest import client_for

pytestmark = pytest.mark.django_db


def csv_rows(response) -> list[dict]:
    return list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))


def test_reports_are_listed_on_the_admin_index(analyst):
    page = client_for(analyst).get("/admin/").content.decode()
    for report in REPORTS:
        assert f"/admin/reports/{report.slug}/" in page


@pytest.mark.parametrize("slug", [r.slug for r in REPORTS])
def test_each_report_renders_with_charts_and_exports_csv(analyst, world, slug):
    client = client_for(analyst)
    response = client.get(f"/admin/reports/{slug}/")
    assert response.status_code == 200
    charts = response.context["charts"]
    assert charts and all(f'id="{c["id"]}"' in response.content.decode() for c in charts)
    assert "vendor/chart.js/chart.umd.min.js" in response.content.decode()
    exported = client.get(f"/admin/reports/{slug}/?format=csv")
    assert exported.status_code == 200 and exported["Content-Type"].startswith("text/csv")
    header = b"".join(exported.streaming_content).decode().splitlines()[0].split(",")
    assert header == next(r for r in REPORTS if r.slug == slug).csv_header


def test_revenue_page_shows_the_seed_totals(analyst, world):
    page = client_for(analyst).get("/admin/reports/revenue/").content.decode()
    assert "Total MRR" in page and "$227.00/month" in page
    assert "Total customers" in page and "Total QR scans (all time)" in page


def test_churn_csv_rows(analyst, world):
    rows = csv_rows(client_for(analyst).get("/admin/reports/churn/?format=csv"))
    assert [(r["company_name"], r["churn_risk"]) for r in rows] == [("Mega", "HIGH"), ("Acme", "MEDIUM"),
                                                                   ("Lowco", "LOW")]


def test_customers_report_is_paginated_and_csv_has_everyone(analyst, world):
    client = client_for(analyst)
    assert client.get("/admin/reports/customers/?page=1").context["page_obj"].paginator.count == 6
    assert len(csv_rows(client.get("/admin/reports/customers/?format=csv"))) == 6


def test_csv_cells_are_not_formulas(analyst, world):
    world.pizza.company_name = "=HYPERLINK(\"http://evil\")"
    world.pizza.save()
    body = b"".join(client_for(analyst).get("/admin/reports/customers/?format=csv").streaming_content).decode()
    assert "'=HYPERLINK" in body


@pytest.mark.parametrize("query", ["start=2026-13-01", "start=2020-01-01&end=2026-01-01", "end=2999-01-01",
                                   "start=2026-02-10&end=2026-02-01"])
def test_bad_windows_answer_400_with_form_errors(analyst, query):
    response = client_for(analyst).get(f"/admin/reports/geo/?{query}")
    assert response.status_code == 400
    assert response.context["form"].errors


def test_unknown_report_is_404(analyst):
    assert client_for(analyst).get("/admin/reports/nope/").status_code == 404


def test_export_needs_the_export_permission(db):
    from django.contrib.auth.models import Permission

    from tenants.models import User
    from tenants.tests.factories import PASSWORD

    reader = User.objects.create_user("reader@outboundimpact.com", PASSWORD, is_staff=True)
    reader.user_permissions.add(Permission.objects.get(codename="view_reports"))
    client = client_for(reader)
    assert client.get("/admin/reports/revenue/").status_code == 200
    assert client.get("/admin/reports/revenue/?format=csv").status_code == 403
