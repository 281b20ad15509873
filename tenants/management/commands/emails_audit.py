"""Stored addresses that predate tenants.emails.normalize_email: list them, and with --fix
rewrite those that normalise to a free address. Refused ones (invisible characters) and
collisions are only listed: a person decides (deactivate the look-alike account, merge)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from tenants.emails import InvalidEmail, normalize_email
from tenants.models import Organization, User


class Command(BaseCommand):
    help = "Find stored emails that differ from their normalised form or are refused by it."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--fix", action="store_true", help="rewrite users' emails that normalise to a free address")

    def handle(self, *args: Any, fix: bool = False, **options: Any) -> None:
        found = 0
        for user in User.objects.order_by("created_at").only("pk", "email"):
            found += self._check_user(user, fix)
        for org in Organization.objects.order_by("created_at").only("pk", "company_email"):
            try:
                canonical = normalize_email(org.company_email)
            except InvalidEmail as e:
                found += 1
                self.stdout.write(f"organization {org.pk} company_email {org.company_email!r}: refused ({e.detail})")
                continue
            if canonical != org.company_email:
                found += 1
                self.stdout.write(f"organization {org.pk} company_email {org.company_email!r} -> {canonical!r}")
                if fix:
                    Organization.objects.filter(pk=org.pk).update(company_email=canonical)
        self.stdout.write(f"{found} address(es) to look at" if found else "every stored address is normalised")

    def _check_user(self, user: User, fix: bool) -> int:
        try:
            canonical = normalize_email(user.email)
        except InvalidEmail as e:
            self.stdout.write(f"user {user.pk} {user.email!r}: refused ({e.detail}); it can no longer log in")
            return 1
        if canonical == user.email:
            return 0
        taken = User.objects.filter(email__iexact=canonical).exclude(pk=user.pk).exists()
        if taken:
            self.stdout.write(f"user {user.pk} {user.email!r}: look-alike of an existing account {canonical!r}")
        else:
            self.stdout.write(f"user {user.pk} {user.email!r} -> {canonical!r}{' (fixed)' if fix else ''}")
            if fix:
                User.objects.filter(pk=user.pk).update(email=canonical)
        return 1
