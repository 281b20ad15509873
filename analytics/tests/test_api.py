"""The analytics API: shapes, filters, plan gating, errors and cross-tenant 404s."""

import csv
import io

import pytest

from analytics.tests.conftest import make_qr
from conftest import api_client_for
from tenants.tests.factories import UserFactory

pytestmark = pytest.mark.django_db
RANGE = "from=2025-01-30&to=2025-03-02"


def test_stats_has_the_seed_shape(scenario, api_ent, ent_org):
    ent_org.total_qr_scans, ent_org.total_qr_codes = 5, 3  # counters kept by the scan and QR services
    ent_org.save()
    r = api_ent.get("/api/analytics/stats")
    assert r.status_code == 200
    assert r.json() == {"stats": {"total_users": 1, "total_qr_codes": 3, "total_campaigns": 2, "total_uploads": 0,
                                  "storage_used_gb": 0.0, "total_qr_scans": 5}}


def test_scans_series_and_totals(scenario, api_ent):
    r = api_ent.get(f"/api/analytics/scans?interval=month&{RANGE}")
    assert r.status_code == 200
    body = r.json()
    previous = body["totals"].pop("previous")  # issue 13: the equal-length period before the range
    assert body["totals"] == {"scans": 5, "unique_scans": 4, "bot_scans": 1}
    assert previous["available"] and previous["scans"] == 0 and previous["change"]["scans"]["label"] == "new"
    assert body["timezone"] == "UTC"
    assert [(p["period"], p["scans"]) for p in body["series"]] == [
        ("2025-01-01", 2), ("2025-02-01", 2), ("2025-03-01", 1)]
    assert (body["from"], body["to"], body["interval"]) == ("2025-01-30", "2025-03-02", "month")
    qr = api_ent.get(f"/api/analytics/scans?{RANGE}&qr_code_id={scenario['qr2'].pk}").json()
    assert qr["totals"]["scans"] == 2 and len(qr["series"]) == 32


def test_breakdown(scenario, api_ent):
    r = api_ent.get(f"/api/analytics/breakdown?by=city&{RANGE}&campaign_id={scenario['c1'].pk}")
    assert r.status_code == 200
    assert {x["label"]: x["scans"] for x in r.json()["results"]} == {
        "Chicago, United States": 2, "London, United Kingdom": 1, "New York, United States": 1}
    r = api_ent.get(f"/api/analytics/breakdown?by=referrer&{RANGE}&limit=1")
    assert r.json()["results"] == [{"value": "instagram.com", "label": "instagram.com", "scans": 2,
                                    "unique_scans": 1, "share": 0.4}]


def test_top_qr_codes_and_campaigns(scenario, api_ent):
    top = api_ent.get(f"/api/analytics/top-qr-codes?{RANGE}&limit=2").json()["results"]
    assert [(q["name"], q["scans"]) for q in top] == [("Delivery Box", 2), ("Front Door", 2)]
    camps = api_ent.get(f"/api/analytics/campaigns?{RANGE}").json()["results"]
    assert [(c["name"], c["scans"]) for c in camps] == [("Spring", 4), ("Idle", 0)]


@pytest.mark.parametrize("url, field", [
    ("/api/analytics/scans?interval=hour", "interval"),
    ("/api/analytics/scans?from=yesterday", "from"),
    ("/api/analytics/scans?from=2025-03-01&to=2025-02-01", "from"),
    ("/api/analytics/breakdown", "by"),
    ("/api/analytics/breakdown?by=planet", "by"),
    ("/api/analytics/breakdown?by=os&limit=0", "limit"),
    ("/api/analytics/top-qr-codes?limit=abc", "limit"),
])
def test_bad_parameters_answer_400(api_ent, url, field):
    r = api_ent.get(url)
    assert r.status_code == 400
    assert r.json()["error"] == "validation_error" and field in r.json()["detail"]


def test_other_tenants_ids_answer_404(scenario, api_ent, org_b):
    from campaigns.models import Campaign

    camp_b = Campaign.all_orgs.create(organization=org_b, name="B campaign")
    for url in (f"/api/analytics/scans?qr_code_id={scenario['qr_b'].pk}",
                f"/api/analytics/breakdown?by=os&campaign_id={camp_b.pk}",
                "/api/analytics/top-qr-codes?qr_code_id=12345",
                "/api/analytics/export/scans.csv?qr_code_id=00000000-0000-0000-0000-000000000001"):
        r = api_ent.get(url)
        assert r.status_code == 404, url
        assert r.json()["error"] == "not_found"


def test_other_tenant_sees_only_its_own_scans(scenario, org_b, admin_b):
    r = api_client_for(admin_b).get(f"/api/analytics/breakdown?by=country&{RANGE}").status_code
    assert r == 403  # org B is medium_business: 2025 is outside its year of history
    recent = api_client_for(admin_b).get("/api/analytics/scans").json()
    assert recent["totals"]["scans"] == 0


def test_small_plan_gating(org_a, admin_a):
    api = api_client_for(admin_a)
    assert api.get("/api/analytics/breakdown?by=country").status_code == 200
    for url in ("/api/analytics/breakdown?by=city", "/api/analytics/breakdown?by=hour",
                "/api/analytics/scans?interval=month", "/api/analytics/campaigns",
                "/api/analytics/export/scans.csv", "/api/analytics/export/aggregates.csv",
                "/api/analytics/scans?from=2020-01-01"):
        r = api.get(url)
        assert r.status_code == 403, url
        assert r.json()["error"] == "plan_upgrade_required"


def test_anonymous_and_staff_without_org_are_refused(client):
    assert client.get("/api/analytics/stats").status_code in (401, 403)


def test_export_scans_csv(scenario, api_ent):
    r = api_ent.get(f"/api/analytics/export/scans.csv?{RANGE}&qr_code_id={scenario['qr1'].pk}")
    assert r.status_code == 200 and r["Content-Type"].startswith("text/csv")
    assert r["Content-Disposition"] == 'attachment; filename="scans-2025-01-30-2025-03-02.csv"'
    rows = list(csv.DictReader(io.StringIO(b"".join(r.streaming_content).decode())))
    assert [(x["classification"], x["city"], x["referrer_url"]) for x in rows] == [
        ("human", "Chicago", "https://www.instagram.com/p/1"),
        ("duplicate", "Chicago", "https://www.instagram.com/p/1"),
        ("bot", "", "")]
    assert rows[0]["scanned_at"] == "2025-01-31T10:15:00+00:00" and rows[0]["qr_code_name"] == "Front Door"
    assert {"ip_address", "latitude", "longitude", "device_type", "os", "browser", "user_agent"} <= set(rows[0])


def test_export_neutralises_formulas(ent_org, api_ent):
    from analytics.tests.conftest import make_scan, t

    qr = make_qr(ent_org, "Evil")
    make_scan(ent_org, qr, t("2025-02-02 10:00"), referrer="=HYPERLINK(\"http://x\")", ua="@SUM(1)")
    body = b"".join(api_ent.get("/api/analytics/export/scans.csv?from=2025-02-01&to=2025-02-03").streaming_content)
    row = list(csv.DictReader(io.StringIO(body.decode())))[0]
    assert row["referrer_url"].startswith("'=") and row["user_agent"].startswith("'@")


def test_export_aggregates_csv(scenario, api_ent):
    r = api_ent.get(f"/api/analytics/export/aggregates.csv?{RANGE}")
    rows = list(csv.reader(io.StringIO(b"".join(r.streaming_content).decode())))
    assert rows[0] == ["section", "key", "label", "scans", "unique_scans", "bot_scans"]
    assert rows[1] == ["total", "2025-01-30..2025-03-02", "All scans", "5", "4", "1"]
    assert ["country", "GB", "United Kingdom", "1", "1", ""] in rows
    assert ["campaign", str(scenario["c1"].pk), "Spring", "4", "3", ""] in rows
    assert sum(1 for x in rows if x[0] == "day") == 32


def test_viewer_reads_analytics(scenario, ent_org):
    viewer = UserFactory(organization=ent_org, email="v@ent.example", role="Viewer")
    assert api_client_for(viewer).get(f"/api/analytics/scans?{RANGE}").json()["totals"]["scans"] == 5
