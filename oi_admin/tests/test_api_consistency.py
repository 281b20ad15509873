"""The staff API's customer record agrees with itself, and no staff door shows a coordinate
finer than about 1 km (oi_admin.selectors.coordinate: 2 decimals)."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest

from conftest import api_client_for
from oi_admin.cells import scan_cells_ensure
from oi_admin.tests.conftest import at, client_for, make_qrs, make_scan, make_uploads
from qrcodes.models import ScanEvent
from tenants.models import Organization

pytestmark = pytest.mark.django_db

LAT, LNG = 41.878113, -87.629799  # a street corner in Chicago, as GeoIP might give it


def test_customer_record_agrees_with_itself(superuser, world):
    # Counters drift (a worker behind, a bulk import): the record still has one figure each.
    Organization.objects.filter(pk=world.acme.pk).update(total_qr_codes=6, storage_used_bytes=12345)
    make_qrs(world.acme, 0, paused=1)  # paused codes do not count
    make_uploads(world.acme, [1000, 2000])
    results = api_client_for(superuser).get("/api/admin/customers").json()["results"]
    assert len(results) == 6
    for record in results:
        assert record["qr_count"] == record["total_qr_codes"], record["company_name"]
        assert record["storage_used"] == record["storage_used_bytes"], record["company_name"]
        assert isinstance(record["storage_used_bytes"], int)
    acme = next(r for r in results if r["company_name"] == "Acme")
    assert (acme["qr_count"], acme["storage_used_bytes"], acme["storage_used_display"]) == (4, 3000, "2.9\xa0KB")
    lowco = next(r for r in results if r["company_name"] == "Lowco")  # no QR codes, no uploads
    assert (lowco["qr_count"], lowco["total_qr_codes"], lowco["storage_used"], lowco["storage_used_bytes"]) == (
        0, 0, 0, 0)
    assert lowco["storage_used_display"] == "0\xa0bytes"


def _scans(world) -> dt.date:
    qr = make_qrs(world.acme, 1)[0]
    day = dt.datetime.now(dt.UTC).date() - dt.timedelta(days=1)
    for s in ("a", "b", "c"):
        make_scan(world.acme, qr, at(day, 10), scanner=s, lat=LAT, lng=LNG)
    scan_cells_ensure(start=day, end=day)
    return day


def test_staff_api_rounds_coordinates(superuser, world):
    _scans(world)
    (row,) = api_client_for(superuser).get("/api/admin/scans/global").json()["results"]
    assert (row["lat"], row["lng"]) == (41.88, -87.63)


def test_geo_report_and_its_csv_round_coordinates(analyst, world):
    _scans(world)
    client = client_for(analyst)
    page = client.get("/admin/reports/geo/")
    (cells,) = [{c.key: v for c, v, _d, _l in row["cells"]} for row in page.context["rows"]]
    assert (cells["avg_latitude"], cells["avg_longitude"]) == (41.88, -87.63)
    points = next(c for c in page.context["charts"] if c["type"] == "bubbleMap")["points"]
    assert [(p["latitude"], p["longitude"]) for p in points] == [(41.88, -87.63)]
    exported = b"".join(client.get("/admin/reports/geo/?format=csv").streaming_content).decode()
    (line,) = list(csv.DictReader(io.StringIO(exported)))
    assert (line["avg_latitude"], line["avg_longitude"]) == ("41.88", "-87.63")
    assert "41.878" not in exported and "41.878" not in page.content.decode()


def test_scan_admin_export_and_page_round_coordinates(superuser, world):
    _scans(world)
    client = client_for(superuser)
    scan = ScanEvent.all_orgs.first()
    response = client.post("/admin/qrcodes/scanevent/", {"action": "export_csv", "_selected_action": [scan.pk]})
    exported = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert (exported[0]["latitude"], exported[0]["longitude"]) == ("41.88", "-87.63")
    page = client.get(f"/admin/qrcodes/scanevent/{scan.pk}/change/").content.decode()
    assert "41.88, -87.63" in page and "41.878" not in page
