"""The demo's other customers: a few dozen generated small businesses around the world, so the
OI console's reports have something to say on a fresh demo:

- some paying customers went quiet weeks ago and their scans are dropping (churn risk);
- some free customers are near their plan's limits and growing (upgrade candidates);
- the rest are steady, and a couple opted out of data sharing;
- together with the three demo customers, enough scanners per city and day that the
  k-anonymous aggregate export publishes rows.

Rows are written directly (not through the services) because the services date everything
"now", and this data is about the past: the activity log of a customer that went quiet must end
weeks ago. Counters come from the scan pipeline (demo.scans), as for the demo customers.
Deterministic (a fixed seed) and idempotent: matched by company email."""

from __future__ import annotations

import datetime as dt
import random
import re
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.hashers import make_password

from campaigns.models import Campaign
from core.scoping import bind_organization
from demo.campaigns import CampaignSpec, campaign_created_at, campaign_dates
from demo.distributions import COMPANY_WORDS
from demo.places import HOME_CITIES, HomeCity
from demo.qrcodes import CodeSpec
from demo.scans import ScanStory
from qrcodes.models import QRCode
from qrcodes.services import short_code_generate
from tenants.models import ActivityLog, Organization, User
from tenants.plans import ENTERPRISE, MEDIUM_BUSINESS, SMALL_BUSINESS
from tenants.services import organization_apply_plan

BUSINESS_DOMAIN = "demo-business.example"
COUNT = 40
# Kind of business -> (the hours its codes are scanned at, what it prints codes on).
KINDS = {
    "Pizza": ("pizza", ["Menu", "Delivery box", "Table tent", "Front door"]),
    "Coffee": ("cafe", ["Counter", "Cup sleeve", "Loyalty card", "Window"]),
    "Bakery": ("cafe", ["Counter", "Bread bag", "Window", "Menu board"]),
    "Books": ("retail", ["Shelf talker", "Bookmark", "Window", "Event flyer"]),
    "Florists": ("retail", ["Bouquet tag", "Window", "Delivery card"]),
    "Outfitters": ("retail", ["Hang tag", "Fitting room", "Window", "Receipt"]),
    "Market": ("retail", ["Aisle sign", "Receipt", "Entrance", "Flyer"]),
    "Dental": ("office", ["Waiting room", "Appointment card", "Front desk"]),
    "Realty": ("office", ["Yard sign", "Brochure", "Office window"]),
    "Motors": ("office", ["Windshield sticker", "Showroom", "Service desk"]),
    "Fitness": ("office", ["Front desk", "Locker room", "Class schedule"]),
    "Brewing": ("evening", ["Beer mat", "Tap list", "Can label", "Front door"]),
    "Events": ("evening", ["Ticket", "Poster", "Wristband"]),
    "Studios": ("evening", ["Poster", "Flyer", "Front door"]),
}
CAMPAIGN_NAMES = ["Grand Opening", "Loyalty Drive", "Product Launch", "Trade Show", "City Tour", "Customer Survey",
                  "Festival Booth", "Recruiting Day", "Charity Run", "Happy Hour", "Refer a Friend", "New Menu",
                  "Open House", "Membership Drive", "Anniversary Week"]
FIRST_NAMES = ["Ana", "Ben", "Chloe", "Dev", "Elena", "Femi", "Grace", "Hugo", "Ines", "Jon", "Kai", "Lena",
               "Marco", "Nia", "Omar", "Priya", "Quinn", "Rosa", "Sam", "Tara", "Umar", "Vera", "Will", "Yuki"]
# Cities and how many of the generated businesses are there (more where the demo customers are,
# so a city's daily scanners reach the export's k).
CITY_WEIGHTS = {"Chicago": 6, "London": 6, "New York": 5, "Phoenix": 3, "Toronto": 3, "Seattle": 2,
                "Los Angeles": 2, "Denver": 1, "Austin": 2, "Boston": 1, "Dublin": 2, "Amsterdam": 2,
                "Berlin": 2, "Paris": 1, "Madrid": 1, "Sydney": 1}
ROLES = ["churning"] * 10 + ["near_limit"] * 7 + ["steady"] * 23
CHURN_SILENCE = [8, 11, 15, 19, 24, 33, 42, 55, 68, 80]  # days since a churning customer's last activity
PER_DAY = {SMALL_BUSINESS: (0.5, 1.5), MEDIUM_BUSINESS: (1.5, 4), ENTERPRISE: (4, 8)}


@dataclass(frozen=True)
class Business:
    company_name: str
    company_email: str
    plan: str
    city: HomeCity
    kind: str
    role: str  # churning | near_limit | steady
    customer_days: int
    last_active_days: int  # its people last did something this many days ago
    users: list[tuple[str, str, str]]  # (email, name, role)
    codes: list[CodeSpec]
    campaigns: list[CampaignSpec]
    per_day: float
    opted_out: bool

    @property
    def story(self) -> ScanStory:
        trend = {"churning": "dropping", "near_limit": "growing"}.get(self.role, "steady")
        return ScanStory(city=self.city, kind=self.kind, per_day=self.per_day, trend=trend)


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def businesses() -> list[Business]:
    """The generated customers (always the same ones)."""
    rng = random.Random("demo-businesses")
    names = rng.sample([(w, k) for w in COMPANY_WORDS for k in KINDS], COUNT)
    cities = [c for c, n in CITY_WEIGHTS.items() for _ in range(n)]
    rng.shuffle(cities)
    roles = ROLES[:]
    rng.shuffle(roles)
    out = []
    for i, ((word, kind), city_name, role) in enumerate(zip(names, cities, roles, strict=False)):
        plan = (rng.choice([MEDIUM_BUSINESS] * 3 + [ENTERPRISE]) if role == "churning"
                else SMALL_BUSINESS if role == "near_limit"
                else rng.choice([SMALL_BUSINESS] * 2 + [MEDIUM_BUSINESS] * 2 + [ENTERPRISE]))
        name = f"{word} {kind}"
        slug = _slug(name)
        hours, places = KINDS[kind]
        customer_days = rng.randint(150, 900)
        n_users = {SMALL_BUSINESS: rng.randint(1, 2), MEDIUM_BUSINESS: rng.randint(2, 6),
                   ENTERPRISE: rng.randint(3, 9)}[plan]
        n_codes = {SMALL_BUSINESS: rng.randint(1, 2), MEDIUM_BUSINESS: rng.randint(3, 8),
                   ENTERPRISE: rng.randint(5, 12)}[plan]
        if role == "near_limit":  # 60%+ of the free plan's users or QR codes
            n_users, n_codes = rng.choice([(3, rng.randint(2, 4)), (1, rng.randint(3, 5)), (2, 5)])
        first = rng.sample(FIRST_NAMES, n_users)
        users = [(f"{f.lower()}@{slug}.{BUSINESS_DOMAIN}", f"{f} {word}",
                  User.Role.ADMIN if j == 0 else rng.choice([User.Role.EDITOR, User.Role.VIEWER]))
                 for j, f in enumerate(first)]
        # The churning ones went quiet over the last weeks: some days, two weeks, a month or more
        # (the churn report's LOW, MEDIUM and HIGH bands).
        last_active = (CHURN_SILENCE[roles[:i].count("churning") % len(CHURN_SILENCE)] + rng.randint(0, 2)
                       if role == "churning" else rng.randint(0, 4))
        codes = []
        for j in range(n_codes):
            place = places[j % len(places)]
            # Most codes are old (the first always); some were printed during the last weeks.
            age = rng.randint(60, customer_days - 5) if j == 0 or rng.random() < 0.75 else rng.randint(3, 45)
            if role == "churning":  # printed while they were still active
                age = max(age, last_active + rng.randint(1, 30))
            codes.append(CodeSpec(f"{place} {j // len(places) + 1}" if j >= len(places) else place,
                                  f"{place}, {city_name}", f"https://{slug}.example/q/{j + 1}", age,
                                  round(rng.uniform(0.5, 3), 1)))
        campaigns = []
        free = [c.name for c in codes]
        n_campaigns = rng.randint(0, 3) if plan == SMALL_BUSINESS else rng.randint(1, 4)
        for k, name_c in enumerate(rng.sample(CAMPAIGN_NAMES, n_campaigns)):
            # A churning customer's first code (its front door) stays up, out of any campaign.
            spare = 1 if role == "churning" else 0
            if len(free) <= spare:
                break
            holds = tuple(free[:rng.randint(1, min(4, len(free) - spare))])
            free = free[len(holds):]
            if role == "churning":  # nothing planned since they went quiet
                lasts = rng.randint(3, 40)
                starts_in = -last_active - lasts - rng.randint(1, 30)
            elif k == 0:  # the one running now, so the codes it holds are scanned today
                starts_in = -rng.randint(1, 40)
                lasts = -starts_in + rng.randint(5, 60)
            else:
                starts_in, lasts = rng.choice([(rng.randint(-40, -1), rng.randint(20, 90)),
                                               (rng.randint(-90, -20), rng.randint(2, 15)),
                                               (rng.randint(3, 30), rng.randint(2, 30))])
            campaigns.append(CampaignSpec(name_c, f"{name_c} at {name}", starts_in, lasts, holds,
                                          paused=rng.random() < 0.15))
        out.append(Business(
            company_name=name, company_email=f"hello@{slug}.{BUSINESS_DOMAIN}", plan=plan,
            city=HOME_CITIES[city_name], kind=hours, role=role, customer_days=customer_days,
            last_active_days=last_active, users=users, codes=codes, campaigns=campaigns,
            per_day=round(rng.uniform(*PER_DAY[plan]), 1), opted_out=i % 17 == 5,
        ))
    return out


def business_create(b: Business, *, now: dt.datetime, today: dt.date, password_hash: str | None = None) -> Organization:
    """Write one generated customer's organization, team, QR codes, campaigns and activity."""
    rng = random.Random(b.company_email)
    joined = now - dt.timedelta(days=b.customer_days, hours=rng.randint(0, 23))
    org = Organization(company_name=b.company_name, company_email=b.company_email, timezone=b.city.timezone,
                       billing_address=f"{rng.randint(1, 400)} Main St, {b.city.name}",
                       data_sharing_opted_out=b.opted_out)
    organization_apply_plan(organization=org, plan_type=b.plan)
    org.save()
    with bind_organization(org):
        _business_rows(org, b, rng=rng, joined=joined, now=now, today=today,
                       password_hash=password_hash or make_password(settings.DEMO_PASSWORD))
    org.refresh_from_db()
    return org


def _business_rows(org: Organization, b: Business, *, rng: random.Random, joined: dt.datetime, now: dt.datetime,
                   today: dt.date, password_hash: str) -> None:
    last_active = now - dt.timedelta(days=b.last_active_days, hours=rng.randint(1, 10))
    users = User.objects.bulk_create([
        User(organization=org, email=email, full_name=name, role=role, password=password_hash,
             last_login_at=last_active, login_count=rng.randint(3, 200)) for email, name, role in b.users])
    campaigns = Campaign.objects.bulk_create([
        Campaign(organization=org, created_by_user=users[0], name=s.name, description=s.description,
                 start_date=start, end_date=end, status=status)
        for s in b.campaigns for start, end, status in [campaign_dates(s, today)]])
    holder = {code: c for s, c in zip(b.campaigns, campaigns, strict=True) for code in s.codes}
    codes = QRCode.objects.bulk_create([
        QRCode(organization=org, created_by_user=users[0], name=s.name, location=s.location, qr_url=s.url,
               short_code=short_code_generate(), campaign=holder.get(s.name)) for s in b.codes])
    # auto_now_add fields take "now" on insert: date them back afterwards.
    Organization.objects.filter(pk=org.pk).update(created_at=joined, total_qr_codes=len(codes))
    for j, u in enumerate(users):
        u.created_at = joined + dt.timedelta(days=min(j * 20, b.customer_days // 2))
    User.objects.bulk_update(users, ["created_at"])
    for s, c in zip(b.campaigns, campaigns, strict=True):
        c.created_at = c.updated_at = campaign_created_at(s, today=today, now=last_active)
    Campaign.objects.bulk_update(campaigns, ["created_at", "updated_at"])
    for s, q in zip(b.codes, codes, strict=True):
        q.created_at = q.updated_at = now - dt.timedelta(days=s.created_days_ago, hours=rng.randint(1, 8))
    QRCode.objects.bulk_update(codes, ["created_at", "updated_at"])
    activity = [(q.created_at, "create_qr_code", "qr_code", q.pk, users[0]) for q in codes]
    activity += [(c.created_at, "create_campaign", "campaign", c.pk, users[0]) for c in campaigns]
    span = max(1, int((last_active - joined).total_seconds()))
    activity += [(joined + dt.timedelta(seconds=rng.randrange(span)), "login", "user", u.pk, u)
                 for u in users for _ in range(rng.randint(2, 12))]
    activity.append((last_active, "login", "user", users[0].pk, users[0]))
    rows = ActivityLog.objects.bulk_create([
        ActivityLog(organization=org, user=u, action=a, entity_type=e, entity_id=str(pk))
        for _, a, e, pk, u in activity])
    for row, (at, *_rest) in zip(rows, activity, strict=True):
        row.created_at = min(at, last_active)
    ActivityLog.objects.bulk_update(rows, ["created_at"])


def business_keep_active(org: Organization, b: Business, *, now: dt.datetime) -> None:
    """A steady or growing customer logs in every few days: on a later run, add the login it
    would have made since (churning customers stay quiet)."""
    if b.role == "churning":
        return
    latest = ActivityLog.objects.filter(organization=org).order_by("-created_at").values_list("created_at", flat=True)
    last = latest.first()
    if last is not None and now - last < dt.timedelta(days=4):
        return
    admin = User.objects.filter(organization=org, role=User.Role.ADMIN).first()
    row = ActivityLog.objects.create(organization=org, user=admin, action="login", entity_type="user",
                                     entity_id=str(admin.pk if admin else ""))
    ActivityLog.objects.filter(pk=row.pk).update(created_at=now - dt.timedelta(hours=2))
