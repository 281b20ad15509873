"""Load the demo data: the three demo customers on the three plans (demo.customers), a few
dozen generated businesses (demo.businesses), their users, and OI staff. Running it again
creates nothing twice: it moves campaign dates to today, adds the scans since the last run,
and rebuilds the console's daily scan cells for those days, so the demo tells a true story on
the day `make run` starts (docs/demo.md)."""

from __future__ import annotations

import datetime as dt
import random
import time

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import transaction
from django.db.models import Max, Min
from django.utils import timezone

from core.scoping import bind_organization
from demo import uploads as uploads_demo
from demo.businesses import Business, business_create, business_keep_active, businesses
from demo.campaigns import campaigns_align, campaigns_seed
from demo.customers import CUSTOMERS, Customer
from demo.extras import plan_request_seed, share_clicks_seed
from demo.qrcodes import code_lives, codes_attach, codes_seed
from demo.scans import CodeLife, ScanStory, scans_record
from demo.studio import studio_seed
from oi_admin.cells import scan_cells_build, scan_cells_ensure
from qrcodes.models import QRCode, ScanEvent
from tenants import timezones
from tenants.models import Organization, User
from tenants.services import organization_apply_plan

STAFF_EMAIL = "admin@outboundimpact.com"
# OI staff in the console's groups (created by oi_admin's migration).
STAFF_MEMBERS = [
    ("ops@outboundimpact.com", "OI Customer Ops", "admin"),
    ("analyst@outboundimpact.com", "OI Analyst", "analyst"),
]
CELL_DAYS = 90  # the console's scan cells the seed leaves built (its reports default to 30 days)


class Command(BaseCommand):
    help = "Create the demo organizations, users and the OI staff superuser (idempotent)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--scale", choices=["demo", "seed", "10x"], default="demo")

    def handle(self, *args, **options) -> None:
        started = time.monotonic()
        self.demo(now=timezone.now())
        self.stdout.write(f"demo seeded in {time.monotonic() - started:.1f} s")
        if options["scale"] != "demo":
            # Bulk volumes on top of the demo data (demo.seeding; refuses a second run).
            from demo.seeding import generate_at_scale

            generate_at_scale(options["scale"], log=self.stdout.write)
            # Pre-build the console's daily scan cells so the first report view is fast.
            today = dt.date.today()
            n = scan_cells_build(start=today - dt.timedelta(days=400), end=today)
            self.stdout.write(f"built {n} daily scan cells for the OI console")

    @transaction.atomic
    def demo(self, *, now: dt.datetime) -> None:
        password = settings.DEMO_PASSWORD
        # One hash for every demo login (the hasher is slow on purpose; they share a password).
        password_hash = make_password(password)
        self.staff(password_hash)
        rebuild_from: list[dt.datetime] = []  # scans were added or removed from then on
        # The previous run is when the pipeline last counted a demo customer's scans: this run
        # adds the scans since then (none when that was a moment ago).
        self.since = ScanEvent.all_orgs.filter(  # cross-tenant: the demo's own organizations
            organization__company_email__in=[c.company_email for c in CUSTOMERS]).aggregate(m=Max("counted_at"))["m"]
        for spec in CUSTOMERS:
            rebuild_from += self.customer(spec, password_hash=password_hash, now=now)
        created = 0
        for b in businesses():
            org = Organization.objects.filter(company_email=b.company_email).first()
            if org is None:
                org = business_create(b, now=now, today=now.astimezone(timezones.zone(b.city.timezone)).date(),
                                      password_hash=password_hash)
                created += 1
            rebuild_from += self.business(org, b, now=now)
        if created:
            self.stdout.write(f"created {created} generated businesses")
        self.cells(rebuild_from, now=now)
        self.stdout.write(self.style.SUCCESS(f"demo data ready; password for every demo login: {password}"))

    def staff(self, password_hash: str) -> None:
        if not User.objects.filter(email__iexact=STAFF_EMAIL).exists():
            admin = User.objects.create_superuser(STAFF_EMAIL, None, full_name="OI Admin")
            User.objects.filter(pk=admin.pk).update(password=password_hash)
            self.stdout.write(f"created staff superuser {STAFF_EMAIL}")
        for email, name, group in STAFF_MEMBERS:
            if not User.objects.filter(email__iexact=email).exists():
                member = User.objects.create_user(email, None, full_name=name, is_staff=True)
                User.objects.filter(pk=member.pk).update(password=password_hash)
                member.groups.add(Group.objects.get(name=group))

    def customer(self, spec: Customer, *, password_hash: str, now: dt.datetime) -> list[dt.datetime]:
        """One demo customer; returns when its added (or removed) scans start, if any."""
        changed: list[dt.datetime] = []
        org = Organization.objects.filter(company_email=spec.company_email).first()
        if org is not None and org.timezone != spec.city.timezone and org.timezone == "UTC":
            # Seeded before the demo had a story (no time zone, scans before their codes existed,
            # campaigns on fixed dates): start this customer again.
            first = ScanEvent.all_orgs.filter(organization=org).aggregate(m=Min("scanned_at"))["m"]
            changed += [first] if first else []
            org.delete()
            org = None
            self.stdout.write(f"replaced the pre-story demo data of {spec.company_name}")
        if org is None:
            org = Organization(company_name=spec.company_name, company_email=spec.company_email, phone=spec.phone,
                               billing_address=spec.billing_address, timezone=spec.city.timezone)
            organization_apply_plan(organization=org, plan_type=spec.plan)
            org.save()
            joined = now - dt.timedelta(days=spec.customer_days)
            Organization.objects.filter(pk=org.pk).update(created_at=joined)
            org.created_at = joined
            self.stdout.write(f"created organization {org.company_name} ({org.plan_type}, {spec.city.name})")
        for i, (email, name, role) in enumerate(spec.users):
            if not User.objects.filter(email__iexact=email).exists():
                user = User.objects.create_user(email, None, full_name=name, organization=org, role=role)
                User.objects.filter(pk=user.pk).update(
                    password=password_hash, created_at=org.created_at + dt.timedelta(days=1 + 30 * i))
        users = list(User.objects.filter(organization=org).order_by("created_at"))
        admin = next((u for u in users if u.role == User.Role.ADMIN), None)
        writer = next((u for u in users if u.role in (User.Role.ADMIN, User.Role.EDITOR)), None)
        today = now.astimezone(org.tzinfo).date()
        with bind_organization(org):
            campaigns = campaigns_seed(organization=org, actor=admin, specs=spec.campaigns, today=today, now=now)
            uploads_demo.seed_demo_content(organization=org, users=users)
            codes = codes_seed(organization=org, writer=writer, specs=spec.codes, now=now)
            if studio_seed(organization=org, users=users) is not None:
                self.stdout.write(f"{org.company_name}: a default brand kit, a designed code and its print file")
            codes_attach(organization=org, campaigns=campaigns, holds={c.name: c.codes for c in spec.campaigns})
            codes = list(QRCode.objects.filter(pk__in=[q.pk for q in codes]))
            lives = code_lives(codes, {c.name: c.weight for c in spec.codes}, today=today)
            changed += self.scans(org, spec.story, lives, now=now)
            share_clicks_seed(organization=org, now=now)
            if plan_request_seed(organization=org) is not None:
                self.stdout.write(f"{org.company_name} asked for a bigger plan (pending in the console)")
        return changed

    def business(self, org: Organization, b: Business, *, now: dt.datetime) -> list[dt.datetime]:
        today = now.astimezone(org.tzinfo).date()
        with bind_organization(org):
            campaigns_align(organization=org, specs=b.campaigns, today=today)
            codes = list(QRCode.objects.filter(organization=org))
            lives = code_lives(codes, {c.name: c.weight for c in b.codes}, today=today)
            business_keep_active(org, b, now=now)
            return self.scans(org, b.story, lives, now=now)

    def scans(self, org: Organization, story: ScanStory, lives: list[CodeLife], *, now: dt.datetime) -> list[dt.datetime]:
        before = ScanEvent.objects.filter(organization=org).count()
        n = scans_record(organization=org, story=story, codes=lives, now=now, since=self.since,
                         rng=random.Random(f"{org.company_email}|{now.date()}|{before}"))
        if not n:
            return []
        return [ScanEvent.objects.filter(organization=org).order_by("-scanned_at")
                .values_list("scanned_at", flat=True)[n - 1]]

    def cells(self, rebuild_from: list[dt.datetime], *, now: dt.datetime) -> None:
        """Leave the console's daily scan cells built, as its worker would: the days whose scans
        changed are rebuilt, then whatever else of the last CELL_DAYS days is missing or stale
        (oi_admin.tasks.scan_cells_refresh / scan_cells_rebuild call scan_cells_ensure)."""
        today = now.astimezone(dt.UTC).date()
        written = 0
        if rebuild_from:
            written += scan_cells_build(start=min(rebuild_from).astimezone(dt.UTC).date(), end=today)
        written += scan_cells_ensure(start=today - dt.timedelta(days=CELL_DAYS - 1), end=today)
        if written:
            self.stdout.write(f"built {written} daily scan cells for the OI console")
