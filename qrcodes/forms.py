"""The create/edit form. It only collects input; qrcodes.services validates it (one rule set
for the API and the pages) and its errors are shown on the matching fields."""

from __future__ import annotations

from django import forms

from core.scoping import related_model
from qrcodes.models import QRCode
from tenants.models import Organization


class QRCodeForm(forms.Form):
    name = forms.CharField(max_length=255, help_text="For example “Front Door Menu”.")
    location = forms.CharField(max_length=255, required=False, help_text="Where the code is printed or placed.")
    qr_url = forms.CharField(
        required=False, label="Destination URL", help_text="Where scanners go: a full https:// address.",
        widget=forms.URLInput(attrs={"placeholder": "https://"}),
    )
    linked_content_id = forms.ChoiceField(
        required=False, label="Or an uploaded file",
        help_text="A linked file is shown instead of the URL; the URL stays as the fallback.",
    )
    campaign_id = forms.ChoiceField(required=False, label="Campaign")

    def __init__(self, *args, organization: Organization, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Uploads and campaigns are layers above qrcodes: reached through the QR code's relations.
        uploads = (related_model(QRCode, "linked_content").objects.filter(organization=organization)
                   .order_by("file_name").values_list("pk", "file_name"))
        campaigns = (related_model(QRCode, "campaign").objects.filter(organization=organization)
                     .order_by("name").values_list("pk", "name"))
        self.fields["linked_content_id"].choices = [("", "— none —"), *((str(pk), n) for pk, n in uploads)]
        self.fields["campaign_id"].choices = [("", "— none —"), *((str(pk), n) for pk, n in campaigns)]
