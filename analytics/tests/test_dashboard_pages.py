"""What a customer reads on /dashboard and /qrcodes/<id>/analytics (issue 13): first steps for a
new account, a sentence instead of every empty chart, storage in human units, "at your limit",
activity as sentences, and one QR code's analytics equal to the dashboard filtered to it."""

import datetime as dt
import uuid

import pytest

from analytics.rollups import rollup_scan_events
from analytics.tests.conftest import make_qr, make_scan
from tenants.models import Organization
from tenants.tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db
RANGE = "from=2025-01-30&to=2025-03-02"


def _login(client, user):
    client.login(username=user.email, password=PASSWORD)
    return client


@pytest.fixture
def ent_client(client, ent_admin):
    return _login(client, ent_admin)


# --- first steps -------------------------------------------------------------------------

def test_new_account_sees_three_steps_and_no_charts(client, admin_a, org_b):
    html = _login(client, admin_a).get("/dashboard").content.decode()
    assert 'data-testid="first-steps"' in html
    for words in ("Create your first QR code", "Print it", "Scan it with your phone"):
        assert words in html
    assert 'href="/qrcodes/new"' in html and 'data-testid="step-create-link"' in html
    assert "<canvas" not in html and 'id="data-series"' not in html
    assert 'class="done"' not in html  # nothing ticked yet


def test_a_code_ticks_step_one_and_a_scan_brings_the_charts(client, admin_a, org_a,
                                                            django_capture_on_commit_callbacks):
    qr = make_qr(org_a, "Front window")
    client = _login(client, admin_a)
    html = client.get("/dashboard").content.decode()
    assert 'data-testid="first-steps"' in html and "<canvas" not in html
    assert '<li class="done" data-testid="step-create">' in html
    assert '<li class="" data-testid="step-scan">' in html
    assert f'href="/qrcodes/{qr.pk}"' in html and f'href="/qrcodes/{qr.pk}/studio"' in html
    with django_capture_on_commit_callbacks(execute=True):  # the cached charts are dropped after commit
        rollup_scan_events([make_scan(org_a, qr, dt.datetime.now(dt.UTC) - dt.timedelta(hours=1))])
    html = client.get("/dashboard").content.decode()
    assert 'data-testid="first-steps"' not in html
    assert 'data-testid="chart-series"' in html


def test_the_scan_counter_alone_also_ends_first_steps(client, admin_a, org_a):
    make_qr(org_a, "Poster")
    Organization.objects.filter(pk=org_a.pk).update(total_qr_scans=3)
    assert 'data-testid="first-steps"' not in _login(client, admin_a).get("/dashboard").content.decode()


def test_a_viewer_is_told_who_creates_codes(client, viewer_a, org_a):
    html = _login(client, viewer_a).get("/dashboard").content.decode()
    assert 'data-testid="step-create-viewer"' in html
    assert f"ask an Admin or Editor of {org_a.company_name}" in html
    assert 'data-testid="step-create-link"' not in html


# --- empty charts say why -----------------------------------------------------------------

def test_a_range_without_scans_says_so_instead_of_every_chart(scenario, ent_client):
    html = ent_client.get("/dashboard?from=2025-11-01&to=2025-11-30").content.decode()
    assert "<canvas" not in html
    assert 'data-testid="empty-series">No scans between Nov 1 and Nov 30, 2025.<' in html
    for key in ("top-qr", "country", "city-map", "city", "device_type", "os", "browser", "referrer", "hour",
                "campaigns"):
        assert f'data-testid="empty-{key}"' in html, key


def test_scans_without_referrer_or_place_say_why(ent_org, ent_admin, client):
    qr = make_qr(ent_org, "Poster")
    rollup_scan_events([make_scan(ent_org, qr, dt.datetime(2025, 2, 1, 12, tzinfo=dt.UTC), country_code="",
                                  country="", city="", state="", lat=None, lng=None, referrer="")])
    html = _login(client, ent_admin).get(f"/dashboard?{RANGE}").content.decode()
    assert 'data-testid="chart-series"' in html and 'data-testid="chart-device_type"' in html
    assert "No referrers recorded: most scans come from camera apps, which send none." in html
    assert "Cities need a location: none of these scans could be placed." in html
    assert "Countries need a location" in html
    assert 'data-testid="chart-referrer"' not in html and 'data-testid="chart-map-cities"' not in html


# --- numbers in words ---------------------------------------------------------------------

def test_storage_reads_in_human_units(client, admin_a, org_a):
    Organization.objects.filter(pk=org_a.pk).update(storage_used_bytes=int(4.2 * 1024**2), total_uploads=1)
    html = _login(client, admin_a).get("/dashboard").content.decode()
    assert 'data-testid="stat-storage">4.2 MB<' in html
    assert "<strong>4.2 MB</strong> of 250 GB" in html
    assert "0.0 GB" not in html and "e-0" not in html


def test_at_the_limit_says_at_your_limit_and_links_the_plan_page(client, admin_a, org_a):
    for i in range(5):
        make_qr(org_a, f"code {i}")
    Organization.objects.filter(pk=org_a.pk).update(total_qr_codes=5)
    html = _login(client, admin_a).get("/dashboard").content.decode()
    assert "You are at your plan's limit for Active QR codes (5 of 5)." in html
    assert "close to your plan's limit for Active QR codes" not in html
    assert 'href="/plan"' in html


def test_near_the_limit_says_close(client, admin_a, org_a):
    Organization.objects.filter(pk=org_a.pk).update(total_qr_codes=4)
    html = _login(client, admin_a).get("/dashboard").content.decode()
    assert "You are close to your plan's limit for Active QR codes (4 of 5)." in html
    assert "at your plan's limit for Active QR codes" not in html


def test_a_plan_with_room_still_links_the_plan_page(client, admin_a, org_a):
    """Away from every limit, the line on what an upgrade adds links the Plan page too."""
    html = _login(client, admin_a).get("/dashboard").content.decode()
    assert "close to your plan's limit" not in html and "at your plan's limit" not in html
    assert '<a href="/plan">Upgrading</a> adds' in html


def test_recent_activity_reads_as_sentences(client, admin_a, org_a):
    from core.scoping import bind_organization
    from qrcodes.services import qr_code_create

    with bind_organization(org_a):
        qr_code_create(organization=org_a, actor=admin_a, data={"name": "Front window", "qr_url": "https://a.example"})
    html = _login(client, admin_a).get("/dashboard").content.decode()
    activity = html.split('data-testid="recent-activity"')[1].split("</ul>")[0]
    assert "create_qr_code" not in activity and "<code>" not in activity
    assert admin_a.full_name in activity and ("created" in activity)


# --- one QR code's analytics --------------------------------------------------------------

def test_qr_page_numbers_equal_the_dashboard_filtered_to_that_code(scenario, ent_client):
    qr = scenario["qr2"]
    page = ent_client.get(f"/qrcodes/{qr.pk}/analytics?{RANGE}&interval=week")
    dash = ent_client.get(f"/dashboard?{RANGE}&interval=week&qr_code_id={qr.pk}")
    assert page.status_code == 200 and dash.status_code == 200
    for key in ("totals", "series", "breakdowns"):
        assert page.context[key] == dash.context[key], key
    assert page.context["totals"] == {"scans": 2, "unique_scans": 2, "bot_scans": 0}
    html = page.content.decode()
    assert qr.name in html and f"/s/{qr.short_code}" in html and qr.qr_url in html
    assert f'href="/qrcodes/{qr.pk}"' in html and 'data-testid="chart-series"' in html
    assert 'data-testid="chart-top-qr"' not in html  # one code: nothing to rank
    assert 'data-testid="range-scans">2<' in html
    # every range card compares with the previous period, here as on the dashboard
    assert page.context["previous"] == dash.context["previous"]
    for key in ("scans", "unique", "bots"):
        assert f'data-testid="compare-{key}"' in html


def test_qr_page_without_scans_in_range_says_so(scenario, ent_client):
    html = ent_client.get(f"/qrcodes/{scenario['qr1'].pk}/analytics?from=2025-11-01&to=2025-11-30").content.decode()
    assert "No scans from this QR code in this range." in html and "<canvas" not in html


def test_qr_page_bad_range_shows_a_message_not_a_500(scenario, ent_client):
    r = ent_client.get(f"/qrcodes/{scenario['qr1'].pk}/analytics?from=nonsense")
    assert r.status_code == 400 and b'data-testid="dashboard-problem"' in r.content


def test_qr_page_of_another_organization_or_a_bad_id_is_404(scenario, ent_client):
    assert ent_client.get(f"/qrcodes/{scenario['qr_b'].pk}/analytics").status_code == 404
    assert ent_client.get(f"/qrcodes/{uuid.uuid4()}/analytics").status_code == 404
    assert ent_client.get("/qrcodes/not-a-uuid/analytics").status_code == 404
    assert ent_client.get(f"/qrcodes/{scenario['qr1'].pk}/analytics/more").status_code == 404


def test_qr_page_needs_a_login_and_viewers_may_read(scenario, client, ent_org):
    url = f"/qrcodes/{scenario['qr1'].pk}/analytics"
    assert client.get(url).status_code == 302
    viewer = UserFactory(organization=ent_org, email="look@ent.example", role="Viewer")
    assert _login(client, viewer).get(url).status_code == 200


def test_qr_actions_still_reach_the_qrcodes_app(scenario, ent_client):
    qr = scenario["qr1"]
    r = ent_client.post(f"/qrcodes/{qr.pk}/pause")
    assert r.status_code == 302
    qr.refresh_from_db()
    assert qr.status == "paused"


def test_activity_without_a_sentence_falls_back_to_words_not_codes():
    from analytics.views import _activity_rows

    rows = _activity_rows([{"action": "create_qr_code", "user_name": "Ann Lee"},
                           {"action": "upload_file", "user_name": ""},
                           {"action": "login", "user_name": "Bo", "sentence": "Bo signed in"}])
    assert [r.get("fallback") for r in rows] == ["Ann Lee created a QR code", "Someone uploaded a file", None]


def test_qr_page_follows_a_range_preset(scenario, ent_client):
    r = ent_client.get(f"/qrcodes/{scenario['qr1'].pk}/analytics?range=7d")
    assert r.status_code == 200 and r.context["filters"].qr_code_id == scenario["qr1"].pk
    assert 'data-testid="presets"' in r.content.decode()
