"""Report pages as something staff act on: CSV of exactly the rows shown, each customer row
opening its organization (and its users), plan names, and an empty report saying why."""

from __future__ import annotations

import csv
import io
import re

import pytest

from oi_admin.reports import REPORTS, REPORTS_BY_SLUG
from oi_admin.tests.conftest import client_for

CUSTOMER_REPORTS = [r.slug for r in REPORTS if r.row_links is not None and r.slug != "revenue"]


def csv_rows(response) -> list[dict[str, str]]:
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))


def shown(response) -> list[dict[str, object]]:
    """The table rows of a report page, as {column key: value} plus the row's links."""
    return [{**{c.key: v for c, v, _d, _l in row["cells"]}, "_links": row["links"]}
            for row in response.context["rows"]]


@pytest.mark.parametrize("slug", ["customers", "upgrades", "churn", "best", "revenue"])
def test_csv_export_is_the_rows_shown(analyst, world, slug):
    client = client_for(analyst)
    page = client.get(f"/admin/reports/{slug}/")
    exported = csv_rows(client.get(f"/admin/reports/{slug}/?format=csv"))
    rows = shown(page)
    assert rows, "the fixtures give every one of these reports rows"
    key = "plan_type" if slug == "revenue" else "company_name"
    assert [r[key] for r in exported] == [r[key] for r in rows]  # same rows, same order
    assert list(exported[0]) == REPORTS_BY_SLUG[slug].csv_header
    assert 'data-testid="export-csv"' in page.content.decode()


def test_upgrade_and_churn_csv_are_the_candidate_lists(analyst, world):
    client = client_for(analyst)
    upgrades = csv_rows(client.get("/admin/reports/upgrades/?format=csv"))
    assert [r["company_name"] for r in upgrades] == ["Pizza"]
    assert upgrades[0]["company_email"] == world.pizza.company_email and upgrades[0]["max_contributors"] == "3"
    churn = csv_rows(client.get("/admin/reports/churn/?format=csv"))
    assert [(r["company_name"], r["churn_risk"]) for r in churn] == [("Mega", "HIGH"), ("Acme", "MEDIUM"),
                                                                   ("Lowco", "LOW")]


@pytest.mark.parametrize("slug", CUSTOMER_REPORTS)
def test_each_customer_row_opens_its_organization_and_users(analyst, world, slug):
    client = client_for(analyst)
    response = client.get(f"/admin/reports/{slug}/")
    html = response.content.decode()
    by_name = {o.company_name: o for o in (world.pizza, world.sleepy, world.acme, world.mega, world.lowco,
                                           world.gone)}
    rows = shown(response)
    assert rows
    for row in rows:
        org = by_name[row["company_name"]]
        change = f"/admin/tenants/organization/{org.pk}/change/"
        users = f"/admin/tenants/user/?organization__id__exact={org.pk}"
        assert row["_links"] == [("Open customer", change), ("Users", users)]
        # The company name itself links to the customer, and the action column says "Open customer".
        assert re.search(rf'<a href="{change}">{org.company_name}</a>', html)
        assert f'<a href="{change}" data-testid="row-link">Open customer</a>' in html
    opened = client.get(f"/admin/tenants/organization/{world.acme.pk}/change/")
    assert opened.status_code == 200 and "Acme" in opened.content.decode()
    listed = client.get(f"/admin/tenants/user/?organization__id__exact={world.pizza.pk}")
    assert listed.status_code == 200 and {u.email for u in listed.context["cl"].result_list} == {
        u.email for u in world.pizza.users.all()}


def test_revenue_rows_open_the_customers_of_the_plan(analyst, world):
    html = client_for(analyst).get("/admin/reports/revenue/").content.decode()
    assert "/admin/tenants/organization/?plan_type__exact=enterprise&amp;status__exact=active" in html


def test_plans_are_shown_by_name(analyst, world):
    client = client_for(analyst)
    for slug in ("customers", "churn", "best", "revenue"):
        html = client.get(f"/admin/reports/{slug}/").content.decode()
        table = html[html.index('id="result_list"'):]
        assert "Enterprise" in table, slug
        assert ">enterprise<" not in table and ">medium_business<" not in table, slug
    html = client.get("/admin/reports/customers/").content.decode()
    assert "Small business" in html and "Medium business" in html


def test_customers_table_is_narrow(analyst, world):
    """Users, QR codes and storage each share one column with their limit; email sits under the name."""
    html = client_for(analyst).get("/admin/reports/customers/").content.decode()
    table = html[html.index('id="result_list"'):html.index("</table>", html.index('id="result_list"'))]
    assert table.count("<th") - table.count("<thead") == 12  # 11 columns and the row actions
    assert f'<small class="oi-detail">{world.pizza.company_email}</small>' in html
    assert '<small class="oi-limit">/ 3</small>' in html  # Pizza: 3 users of 3
    assert '<small class="oi-limit">/ ∞</small>' in html  # enterprise: unlimited


@pytest.mark.parametrize("slug", [r.slug for r in REPORTS])
def test_an_empty_report_says_why(analyst, slug):
    response = client_for(analyst).get(f"/admin/reports/{slug}/")
    assert response.status_code == 200
    html = response.content.decode()
    reason = REPORTS_BY_SLUG[slug].empty_reason
    assert reason and "No rows." not in html
    if slug == "monetization":  # the reason names k, which comes from the settings
        assert "reaches k = 10 distinct scanners" in html
    else:
        assert f'data-testid="empty-reason">{reason}</td>' in html.replace("&#x27;", "'")


def test_empty_reasons_are_specific(db):
    reasons = {r.slug: r.empty_reason for r in REPORTS}
    assert len(set(reasons.values())) == len(reasons)  # no generic "no rows" shared by two reports
    assert "7 days" in reasons["churn"] and "60%" in reasons["upgrades"] and "1,000 scans" in reasons["best"]


def test_storage_reads_in_human_units_with_its_limit(analyst, world):
    """4.2 MB of 500 GB, not "0.00 / 500" (issue 13: sizes people read)."""
    from oi_admin.templatetags.oi_admin_report import report_cell, report_limit
    from tenants.models import GB

    assert report_cell(4.2 * 1024 * 1024 / GB, "gb") == "4.2\xa0MB"
    assert report_cell(0, "gb") == "0\xa0bytes"
    assert report_limit(500, "gb") == "500 GB" and report_limit(None, "gb") == "∞"
    html = client_for(analyst).get("/admin/reports/customers/").content.decode()
    assert "0.00" not in re.sub(r"\$[\d,]+\.\d\d", "", html.split("<tbody")[1])  # prices keep their cents
    assert "GB</small>" in html
