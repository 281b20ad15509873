"""The create/edit form. It only collects input; qrcodes.services validates it (one rule set
for the API and the pages) and its errors are shown on the matching fields."""

from __future__ import annotations

from django import forms

from campaigns.models import Campaign
from tenants.errors import DomainError
from tenants.models import Organization
from uploads.models import UploadedFile


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
        uploads = UploadedFile.objects.filter(organization=organization).order_by("file_name").values_list("pk", "file_name")
        campaigns = Campaign.objects.filter(organization=organization).order_by("name").values_list("pk", "name")
        self.fields["linked_content_id"].choices = [("", "— none —"), *((str(pk), n) for pk, n in uploads)]
        self.fields["campaign_id"].choices = [("", "— none —"), *((str(pk), n) for pk, n in campaigns)]

    def add_domain_error(self, err: DomainError) -> None:
        if isinstance(err.detail, dict):
            for field, msg in err.detail.items():
                self.add_error(field if field in self.fields else None, msg)
        else:
            self.add_error(None, str(err.detail))
