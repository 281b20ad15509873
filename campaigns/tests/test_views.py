import pytest

from campaigns.models import Campaign
from campaigns.tests.conftest import make_qr
from tenants.models import ActivityLog

pytestmark = pytest.mark.django_db


@pytest.fixture
def web(client, password):
    def login(user):
        assert client.login(email=user.email, password=password)
        return client

    return login


FORM = {"name": "Valentine's Day Special", "description": "Hearts", "start_date": "2026-02-10",
        "end_date": "2026-02-15", "status": "active"}


def test_create_through_the_form(web, admin_a):
    r = web(admin_a).post("/campaigns/new", FORM, follow=True)
    c = Campaign.all_orgs.get()
    assert r.redirect_chain[-1][0] == f"/campaigns/{c.pk}"
    assert "Valentine&#x27;s Day Special" in r.content.decode()
    assert ActivityLog.all_orgs.filter(action="create_campaign").count() == 1


def test_form_shows_date_order_error(web, admin_a):
    r = web(admin_a).post("/campaigns/new", {**FORM, "end_date": "2026-02-01"})
    assert r.status_code == 400 and "The end date cannot be before the start date." in r.content.decode()
    assert not Campaign.all_orgs.exists()


def test_viewer_cannot_create_edit_or_delete(web, viewer_a, org_a):
    c = Campaign.all_orgs.create(organization=org_a, name="Keep")
    client = web(viewer_a)
    page = client.get("/campaigns").content.decode()
    assert "New campaign" not in page
    r = client.post("/campaigns/new", FORM)
    assert r.status_code == 403 and "Viewers can look, not change: ask an Admin or Editor of" in r.content.decode()
    assert client.post(f"/campaigns/{c.pk}/edit", {**FORM, "name": "Changed"}).status_code == 403
    client.post(f"/campaigns/{c.pk}/delete")
    assert list(Campaign.all_orgs.values_list("name", flat=True)) == ["Keep"]


def test_edit_and_delete(web, editor_a, org_a):
    c = Campaign.all_orgs.create(organization=org_a, name="Old")
    client = web(editor_a)
    assert client.get(f"/campaigns/{c.pk}/edit").status_code == 200
    r = client.post(f"/campaigns/{c.pk}/edit", {**FORM, "name": "New"}, follow=True)
    assert "Campaign saved." in r.content.decode()
    r = client.post(f"/campaigns/{c.pk}/delete", follow=True)
    assert r.redirect_chain[-1][0] == "/campaigns" and not Campaign.all_orgs.exists()


def test_detail_lists_qr_codes_scans_and_share_buttons(web, admin_a, org_a, settings):
    c = Campaign.all_orgs.create(organization=org_a, name="Spring")
    qr = make_qr(org_a, campaign=c, name="Window sticker", total_scans=7)
    html = web(admin_a).get(f"/campaigns/{c.pk}").content.decode()
    assert "Window sticker" in html and f"{settings.SITE_URL}/s/{qr.short_code}" in html
    for platform in ("facebook", "x", "linkedin", "whatsapp", "copy_link"):
        assert f'data-platform="{platform}"' in html
    assert "campaigns/share.js" in html and f"{settings.SITE_URL}/l/{c.share_code}" in html


def test_detail_without_qr_still_has_its_share_link_and_says_why_no_chart(web, admin_a, org_a, settings):
    c = Campaign.all_orgs.create(organization=org_a, name="Lonely")
    html = web(admin_a).get(f"/campaigns/{c.pk}").content.decode()
    assert f"{settings.SITE_URL}/l/{c.share_code}" in html and 'data-platform="copy_link"' in html
    assert "this campaign has no QR codes" in html and 'id="campaign-chart"' not in html


def test_other_organizations_campaign_pages_are_404(web, admin_a, org_b):
    theirs = Campaign.all_orgs.create(organization=org_b, name="B")
    client = web(admin_a)
    for ident in (theirs.pk, "not-a-uuid"):
        assert client.get(f"/campaigns/{ident}").status_code == 404
        assert client.get(f"/campaigns/{ident}/edit").status_code == 404
        assert client.post(f"/campaigns/{ident}/edit", FORM).status_code == 404
        assert client.post(f"/campaigns/{ident}/delete").status_code == 404
    assert Campaign.all_orgs.get(pk=theirs.pk).name == "B"


def test_pages_need_login(client):
    assert client.get("/campaigns").status_code == 302
