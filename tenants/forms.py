from django import forms
from django.contrib.auth import forms as auth_forms

from tenants.plans import PLAN_CHOICES


class RegistrationForm(forms.Form):
    company_name = forms.CharField(max_length=255)
    company_email = forms.EmailField()
    full_name = forms.CharField(max_length=255, label="Your name")
    email = forms.EmailField(label="Your email (login)")
    password = forms.CharField(widget=forms.PasswordInput, min_length=8)
    plan_type = forms.ChoiceField(choices=PLAN_CHOICES, label="Plan")
    phone = forms.CharField(max_length=40, required=False)
    billing_address = forms.CharField(max_length=500, required=False)


class LoginForm(forms.Form):
    email = forms.EmailField()
    password = forms.CharField(widget=forms.PasswordInput)


class PasswordResetForm(auth_forms.PasswordResetForm):
    """Django's form filters on an is_active column; ours is derived from status."""

    def get_users(self, email: str):
        from tenants.models import User

        for user in User.objects.filter(email__iexact=email, status=User.Status.ACTIVE):
            if user.has_usable_password():
                yield user


class TeamInviteForm(forms.Form):
    email = forms.EmailField()
    full_name = forms.CharField(max_length=255, required=False, label="Name")
    role = forms.ChoiceField(choices=[("Viewer", "Viewer"), ("Editor", "Editor"), ("Admin", "Admin")], initial="Viewer")
