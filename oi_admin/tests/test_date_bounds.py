"""Issue 11: the OI console's report windows take the app's one date bound: a far date is a
form error (400), never a 500 (`end=0001-01-01` used to overflow computing the default start)."""

import pytest

from conftest import api_client_for
from oi_admin.tests.conftest import client_for

pytestmark = pytest.mark.django_db

BOUNDS = "2000-01-01 and 2100-12-31"  # core.dates.MIN_DATE, MAX_DATE
FAR = ["end=0001-01-01", "start=0001-01-01&end=0001-01-02", "start=0001-01-01", "start=1999-12-31&end=2000-01-02"]


@pytest.mark.parametrize("query", FAR)
@pytest.mark.parametrize("slug", ["geo", "monetization"])
def test_a_report_window_with_a_far_date_is_a_form_error(superuser, slug, query):
    r = client_for(superuser).get(f"/admin/reports/{slug}/?{query}")
    assert r.status_code == 400


@pytest.mark.parametrize("query", FAR)
def test_the_global_scans_api_refuses_a_far_date(superuser, query):
    r = api_client_for(superuser).get(f"/api/admin/scans/global?{query}")
    assert r.status_code == 400 and r.json()["error"] == "validation_error"
    assert BOUNDS in str(r.json()["detail"])
