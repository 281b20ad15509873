"""Customer content is read-only in the console: deleting an upload or QR code there would
skip the services that free quota, remove the stored object and fix the counters."""

import pytest

from qrcodes.models import QRCode
from tenants.tests.factories import OrganizationFactory
from uploads.models import UploadedFile


@pytest.mark.django_db
def test_superuser_cannot_delete_or_edit_customer_content(client, superuser):
    org = OrganizationFactory()
    qr = QRCode.all_orgs.create(organization=org, name="Door", qr_url="https://example.com", short_code="AbC123xyz")
    up = UploadedFile.all_orgs.create(organization=org, file_name="m.pdf", file_type="pdf", file_size_bytes=10,
                                      storage_path=f"organizations/{org.pk}/uploads/x.pdf")
    client.force_login(superuser)
    for url in (f"/admin/qrcodes/qrcode/{qr.pk}/delete/", f"/admin/uploads/uploadedfile/{up.pk}/delete/"):
        assert client.get(url).status_code == 403
        assert client.post(url, {"post": "yes"}).status_code == 403
    assert client.get(f"/admin/qrcodes/qrcode/{qr.pk}/change/").status_code == 200  # viewable
    r = client.post(f"/admin/qrcodes/qrcode/{qr.pk}/change/", {"name": "Hacked"})
    assert r.status_code == 403
    assert QRCode.all_orgs.get(pk=qr.pk).name == "Door" and UploadedFile.all_orgs.filter(pk=up.pk).exists()
