"""manage.py emails_audit: rows stored before normalisation are found, and fixed when safe."""

from io import StringIO

import pytest
from django.core.management import call_command

from tenants.models import User
from tenants.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _audit(*args: str) -> str:
    out = StringIO()
    call_command("emails_audit", *args, stdout=out)
    return out.getvalue()


def test_audit_lists_look_alikes_and_fixes_only_the_safe_ones(org_a):
    real = UserFactory(organization=org_a, email="john@pizzapalace.com")
    # Rows written around the manager, as before normalisation existed:
    User.objects.filter(pk=UserFactory(organization=org_a, email="x1@a.example").pk).update(
        email="john@pizzapalace.com\u200b")
    wide = UserFactory(organization=org_a, email="x2@a.example")
    User.objects.filter(pk=wide.pk).update(email="ｍａｒｙ@a.example")
    report = _audit()
    assert "refused" in report and "U+200B" in report
    assert "'mary@a.example'" in report and "3 address(es)" not in report
    _audit("--fix")
    wide.refresh_from_db()
    real.refresh_from_db()
    assert wide.email == "mary@a.example" and real.email == "john@pizzapalace.com"
    assert User.objects.filter(email="john@pizzapalace.com\u200b").exists()  # a person decides
    assert "every stored address" not in _audit()


def test_audit_of_a_clean_database_says_so(org_a, admin_a):
    assert "every stored address is normalised" in _audit()
