"""The /dashboard page and its CSV links (session login)."""

import pytest

from analytics.tests.conftest import make_qr
from tenants.tests.factories import PASSWORD

pytestmark = pytest.mark.django_db
RANGE = "from=2025-01-30&to=2025-03-02"


@pytest.fixture
def ent_client(client, ent_admin):
    client.login(username=ent_admin.email, password=PASSWORD)
    return client


def test_enterprise_dashboard_shows_every_section(scenario, ent_client):
    r = ent_client.get(f"/dashboard?{RANGE}")
    assert r.status_code == 200
    html = r.content.decode()
    assert "<h1>Dashboard</h1>" in html
    for testid in ("chart-series", "chart-top-qr", "chart-map-countries", "chart-map-cities", "chart-device_type",
                   "chart-os", "chart-browser", "chart-referrer", "chart-hour", "chart-campaigns",
                   "table-qr-performance", "recent-activity", "export-scans"):
        assert f'data-testid="{testid}"' in html, testid
    assert r.context["totals"] == {"scans": 5, "unique_scans": 4, "bot_scans": 1}
    assert 'data-testid="range-scans">5<' in html
    assert "vendor/chart.js/chart.umd.min.js" in html


def test_filters_apply_to_every_chart(scenario, ent_client):
    r = ent_client.get(f"/dashboard?{RANGE}&campaign_id={scenario['c1'].pk}&interval=week")
    ctx = r.context
    assert ctx["totals"]["scans"] == 4
    assert [q["name"] for q in ctx["top_qr_codes"]] == ["Delivery Box", "Front Door"]
    assert {c["label"]: c["scans"] for c in ctx["breakdowns"]["country"]} == {"United States": 3, "United Kingdom": 1}
    assert [c["name"] for c in ctx["campaigns"]] == ["Spring"]
    assert ctx["series"][0]["period"].isoformat() == "2025-01-27"


def test_small_plan_dashboard_is_the_core_version(org_a, admin_a, client):
    for i in range(4):
        make_qr(org_a, f"code {i}")
    org_a.total_qr_codes = 4  # kept by qrcodes.services
    org_a.total_qr_scans = 1  # past the first steps: the charts show (test_dashboard_pages)
    org_a.save()
    client.login(username=admin_a.email, password=PASSWORD)
    html = client.get("/dashboard").content.decode()
    # the core sections, each saying why it is empty (no scans in the range) instead of empty axes
    assert 'data-testid="empty-country"' in html and 'data-testid="empty-os"' in html
    for absent in ("chart-map-cities", "chart-referrer", "chart-hour", "chart-campaigns", "export-scans",
                   'name="campaign_id"'):
        assert absent not in html, absent
    assert 'data-testid="upgrade-prompt"' in html  # 4 of 5 QR codes
    r = client.get("/dashboard/export/scans.csv")
    assert r.status_code == 403 and b"Medium business" in r.content
    r = client.get("/dashboard?from=2020-01-01")
    assert r.status_code == 403 and b"upgrade" in r.content


def test_bad_filters_render_a_message(ent_client):
    r = ent_client.get("/dashboard?from=nonsense")
    assert r.status_code == 400 and b"dashboard-problem" in r.content


def test_other_tenants_qr_code_is_404(scenario, ent_client):
    assert ent_client.get(f"/dashboard?qr_code_id={scenario['qr_b'].pk}").status_code == 404
    assert ent_client.get("/dashboard?qr_code_id=nope").status_code == 404
    assert ent_client.get(f"/dashboard/export/scans.csv?qr_code_id={scenario['qr_b'].pk}").status_code == 404


def test_page_export_streams_csv(scenario, ent_client):
    r = ent_client.get(f"/dashboard/export/scans.csv?{RANGE}")
    assert r.status_code == 200 and r.streaming
    lines = b"".join(r.streaming_content).decode().strip().splitlines()
    assert len(lines) == 1 + 7  # header + 6 counted + 1 pending of this tenant, none of org B
    assert "Paris" not in "".join(lines)


def test_login_required(client):
    assert client.get("/dashboard").status_code == 302


def test_dashboard_with_no_data(ent_client, ent_org):
    r = ent_client.get("/dashboard")
    assert r.status_code == 200 and r.context["totals"]["scans"] == 0


def test_filter_selects_escape_names_and_mark_the_selection(scenario, ent_client):
    scenario["qr3"].name = '<script>alert("x")</script>'
    scenario["qr3"].save()
    html = ent_client.get(f"/dashboard?{RANGE}&qr_code_id={scenario['qr3'].pk}").content.decode()
    assert "<script>alert" not in html
    assert f'<option value="{scenario["qr3"].pk}" selected>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;</option>' in html
    assert f'<option value="{scenario["c1"].pk}">Spring</option>' in html


def test_many_qr_codes_get_a_search_box_instead_of_a_select(scenario, ent_client, ent_org, org_b):
    from analytics.selectors import PICKER_INLINE_MAX
    from qrcodes.models import QRCode

    for i in range(PICKER_INLINE_MAX):
        make_qr(ent_org, f"Flyer {i:03d}")
    make_qr(org_b, "Flyer zebra")
    html = ent_client.get(f"/dashboard?{RANGE}&qr_code_id={scenario['qr3'].pk}").content.decode()
    assert 'data-testid="picker-qr_code"' in html and 'value="Hotel Lobby"' in html
    assert f'<input type="hidden" name="qr_code_id" value="{scenario["qr3"].pk}">' in html
    assert '<select name="qr_code_id">' not in html and "Flyer 042" not in html
    assert f'<option value="{scenario["c1"].pk}">Spring</option>' in html  # 2 campaigns: still a select

    r = ent_client.get("/dashboard/choices?kind=qr_code&q=FLYER 04")
    assert r.status_code == 200
    results = r.json()["results"]
    assert [x["name"] for x in results] == [f"Flyer {i:03d}" for i in range(40, 50)]
    assert results[0]["id"] == str(QRCode.all_orgs.get(organization=ent_org, name="Flyer 040").pk)
    assert len(ent_client.get("/dashboard/choices?kind=qr_code").json()["results"]) == 20
    assert ent_client.get("/dashboard/choices?kind=qr_code&q=zebra").json() == {"results": []}
    assert ent_client.get("/dashboard/choices?kind=campaign&q=spr").json() == {
        "results": [{"id": str(scenario["c1"].pk), "name": "Spring"}]}
    bad = ent_client.get("/dashboard/choices?kind=user")
    assert bad.status_code == 400 and bad.json()["error"] == "validation_error"
    assert ent_client.post("/dashboard/choices?kind=qr_code").status_code == 405
    assert 'data-url="/dashboard/choices"' in html


def test_choices_follow_the_plan_and_need_a_login(client, org_a, admin_a):
    assert client.get("/dashboard/choices?kind=qr_code").status_code == 302
    client.login(username=admin_a.email, password=PASSWORD)
    r = client.get("/dashboard/choices?kind=campaign")  # small business: no campaign filter
    assert r.status_code == 403 and r.json()["error"] == "plan_upgrade_required"
    assert client.get("/dashboard/choices?kind=qr_code").json() == {"results": []}
