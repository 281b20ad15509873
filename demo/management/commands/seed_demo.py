"""Load the demo data once: the seed's three customers on the three plans, their users,
and an OI staff superuser. Running it again changes nothing."""

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import transaction

from core.scoping import bind_organization
from demo import campaigns as campaigns_demo
from demo import qrcodes as qrcodes_demo
from demo import scans as analytics_demo
from demo import uploads as uploads_demo
from tenants.models import Organization, User
from tenants.plans import ENTERPRISE, MEDIUM_BUSINESS, SMALL_BUSINESS
from tenants.services import organization_apply_plan

STAFF_EMAIL = "admin@outboundimpact.com"
# OI staff in the console's groups (created by oi_admin's migration).
STAFF_MEMBERS = [
    ("ops@outboundimpact.com", "OI Customer Ops", "admin"),
    ("analyst@outboundimpact.com", "OI Analyst", "analyst"),
]

DEMO_ORGS = [
    {
        "company_name": "Pizza Palace Inc", "company_email": "owner@pizzapalace.com", "plan": SMALL_BUSINESS,
        "phone": "+1-555-0123", "billing_address": "123 Main St, Chicago, IL",
        "users": [("john@pizzapalace.com", "John Smith", User.Role.ADMIN)],
    },
    {
        "company_name": "Acme Corp", "company_email": "ops@acme.example", "plan": MEDIUM_BUSINESS,
        "phone": "+1-555-0199", "billing_address": "1 Acme Way, New York, NY",
        "users": [
            ("wile@acme.example", "Wile E. Coyote", User.Role.ADMIN),
            ("editor@acme.example", "Road Runner", User.Role.EDITOR),
            ("viewer@acme.example", "Elmer Fudd", User.Role.VIEWER),
        ],
    },
    {
        "company_name": "MegaBrand Inc", "company_email": "hq@megabrand.example", "plan": ENTERPRISE,
        "phone": "+44-20-5550-0100", "billing_address": "10 Brand Street, London",
        "users": [
            ("ceo@megabrand.example", "Mega Admin", User.Role.ADMIN),
            ("marketing@megabrand.example", "Marketing Editor", User.Role.EDITOR),
        ],
    },
]


class Command(BaseCommand):
    help = "Create the demo organizations, users and the OI staff superuser (idempotent)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--scale", choices=["demo", "seed", "10x"], default="demo")

    def handle(self, *args, **options) -> None:
        self.demo()
        if options["scale"] != "demo":
            # Bulk volumes on top of the demo data (demo.seeding; refuses a second run).
            from demo.seeding import generate_at_scale

            generate_at_scale(options["scale"], log=self.stdout.write)
            # Pre-build the console's daily scan cells so the first report view is fast.
            import datetime as dt

            from oi_admin.cells import scan_cells_build

            today = dt.date.today()
            n = scan_cells_build(start=today - dt.timedelta(days=400), end=today)
            self.stdout.write(f"built {n} daily scan cells for the OI console")

    @transaction.atomic
    def demo(self) -> None:
        password = settings.DEMO_PASSWORD
        if not User.objects.filter(email__iexact=STAFF_EMAIL).exists():
            User.objects.create_superuser(STAFF_EMAIL, password, full_name="OI Admin")
            self.stdout.write(f"created staff superuser {STAFF_EMAIL}")
        for email, name, group in STAFF_MEMBERS:
            if not User.objects.filter(email__iexact=email).exists():
                member = User.objects.create_user(email, password, full_name=name, is_staff=True)
                member.groups.add(Group.objects.get(name=group))
        for spec in DEMO_ORGS:
            org = Organization.objects.filter(company_email=spec["company_email"]).first()
            if org is None:
                org = Organization(
                    company_name=spec["company_name"], company_email=spec["company_email"],
                    phone=spec["phone"], billing_address=spec["billing_address"],
                )
                organization_apply_plan(organization=org, plan_type=spec["plan"])
                org.save()
                self.stdout.write(f"created organization {org.company_name} ({org.plan_type})")
            for email, name, role in spec["users"]:
                if not User.objects.filter(email__iexact=email).exists():
                    User.objects.create_user(email, password, full_name=name, organization=org, role=role)
            users = list(User.objects.filter(organization=org).order_by("created_at"))
            with bind_organization(org):
                # Order matters: QR codes link to campaigns and uploads; scans need QR codes.
                for seed in (campaigns_demo, uploads_demo, qrcodes_demo, analytics_demo):
                    seed.seed_demo_content(organization=org, users=users)
        self.stdout.write(self.style.SUCCESS(f"demo data ready; password for every demo login: {password}"))
