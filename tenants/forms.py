from django import forms
from django.contrib.auth import forms as auth_forms

from tenants import timezones
from tenants.emails import InvalidEmail, normalize_email
from tenants.plans import PLANS, plan_signup_choices


class EmailFormField(forms.EmailField):
    """An email field that normalises first (tenants.emails.normalize_email: NFKC, case-folded,
    invisible characters refused), so `ｊｏｈｎ@…` is cleaned to `john@…` rather than refused."""

    def to_python(self, value):
        value = super().to_python(value)
        if value in self.empty_values:
            return value
        try:
            return normalize_email(value)
        except InvalidEmail as e:
            raise forms.ValidationError(str(e.detail), code="invalid") from e


class RegistrationForm(forms.Form):
    company_name = forms.CharField(max_length=255)
    company_email = EmailFormField()
    full_name = forms.CharField(max_length=255, label="Your name")
    email = EmailFormField(label="Your email (login)")
    password = forms.CharField(widget=forms.PasswordInput, min_length=8)
    plan_type = forms.ChoiceField(
        choices=plan_signup_choices, label="Plan",
        help_text="Paid plans start as a request: you begin on the free plan until OI confirms the paid one.",
    )
    phone = forms.CharField(max_length=40, required=False)
    billing_address = forms.CharField(max_length=500, required=False)
    # Filled by static/js/timezone-field.js from the browser; never an error (UTC without it).
    timezone = forms.CharField(required=False, widget=forms.HiddenInput(attrs={"data-browser-timezone": ""}))

    def clean_timezone(self) -> str:
        value = (self.cleaned_data.get("timezone") or "").strip()
        return value if timezones.is_valid(value) else timezones.DEFAULT


class LoginForm(forms.Form):
    email = EmailFormField()
    password = forms.CharField(widget=forms.PasswordInput)


class PasswordResetForm(auth_forms.PasswordResetForm):
    """Django's form filters on an is_active column; ours is derived from status. The address
    is normalised like every other (an invisible character is a form error, nobody is mailed)."""

    email = EmailFormField(label="Email", max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"}))

    def get_users(self, email: str):
        from tenants.models import User

        for user in User.objects.for_email(email).filter(status=User.Status.ACTIVE):
            if user.has_usable_password():
                yield user


class TeamInviteForm(forms.Form):
    email = EmailFormField()
    full_name = forms.CharField(max_length=255, required=False, label="Name")
    role = forms.ChoiceField(choices=[("Viewer", "Viewer"), ("Editor", "Editor"), ("Admin", "Admin")], initial="Viewer")


class PlanChangeForm(forms.Form):
    """The Plan page's "Request upgrade/downgrade to X" button: the plan key, checked by the
    service (tenants.services.plan_change_request)."""

    to_plan = forms.ChoiceField(choices=lambda: [(p.key, p.label) for p in PLANS.values()], widget=forms.HiddenInput)


class OrganizationSettingsForm(forms.Form):
    timezone = forms.ChoiceField(
        choices=timezones.choices, label="Time zone",
        help_text="Dashboards, activity and dates are shown in this zone.",
    )
