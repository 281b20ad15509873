"""The create/edit form. It only collects input; qrcodes.services validates it (one rule set
for the API and the pages) and its errors are shown on the matching fields."""

from __future__ import annotations

from django import forms

from core.scoping import related_model
from qrcodes.models import QRCode
from qrcodes.selectors import NO_CAMPAIGN
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


class QRCodeListForm(forms.Form):
    """The QR list's GET form: search, campaign and status filters, sort. Choices are the
    organization's own campaigns, so another organization's campaign id is an invalid choice
    (a form error), never a filter that reaches its rows."""

    NO_CAMPAIGN = NO_CAMPAIGN
    SORTS = {
        "newest": "Newest first", "oldest": "Oldest first", "name": "Name A–Z",
        "scans": "Most scanned", "last_scan": "Last scanned",
    }
    SEARCH_MAX = 100

    q = forms.CharField(required=False, max_length=SEARCH_MAX, strip=True, label="Search",
                        widget=forms.TextInput(attrs={"type": "search", "placeholder": "Name, location, code or URL"}))
    campaign = forms.ChoiceField(required=False, label="Campaign",
                                 error_messages={"invalid_choice": "Choose one of your campaigns; showing every campaign."})
    status = forms.ChoiceField(required=False, label="Status", choices=[("", "Any status"), *QRCode.Status.choices],
                               error_messages={"invalid_choice": "Unknown status; showing every status."})
    sort = forms.ChoiceField(required=False, label="Sort", choices=list(SORTS.items()),
                             error_messages={"invalid_choice": "Unknown order; showing the newest first."})

    def __init__(self, *args, organization: Organization, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        campaigns = (related_model(QRCode, "campaign").objects.filter(organization=organization)
                     .order_by("name").values_list("pk", "name"))
        self.fields["campaign"].choices = [("", "Any campaign"), (self.NO_CAMPAIGN, "No campaign"),
                                           *((str(pk), n) for pk, n in campaigns)]

    def filters(self) -> dict[str, str]:
        """The valid fields' values (an invalid field is left out: the rest still apply)."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {
            "query": data.get("q") or "",
            "campaign": data.get("campaign") or "",
            "status": data.get("status") or "",
            "sort": data.get("sort") or "newest",
        }
