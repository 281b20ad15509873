from django import forms

from campaigns.models import Campaign


class CampaignForm(forms.Form):
    """Field types only; the rules (dates in order, role) are checked by campaigns.services."""

    name = forms.CharField(max_length=255)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=5000)
    start_date = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end_date = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    status = forms.ChoiceField(choices=Campaign.Status.choices, initial=Campaign.Status.DRAFT)
    share_url = forms.CharField(
        required=False, max_length=2048, label="Share link destination",
        help_text="Where the campaign's share link sends people. Leave empty to use its first active QR code's.",
    )

    @classmethod
    def for_campaign(cls, campaign: Campaign) -> "CampaignForm":
        return cls(initial={f: getattr(campaign, f) for f in ("name", "description", "start_date", "end_date", "status", "share_url")})
