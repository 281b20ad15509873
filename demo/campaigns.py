"""Demo content for `manage.py seed_demo` (the campaigns part). Idempotent: called on every run."""

from __future__ import annotations

import datetime as dt

from campaigns.models import Campaign
from campaigns.services import campaign_create
from tenants.models import Organization, User

DEMO_CAMPAIGNS = {
    "owner@pizzapalace.com": [
        ("Valentine's Day Special", "Heart-shaped pizza promotion", "2026-02-10", "2026-02-15", "active"),
        ("Summer Slice Saver", "Two slices and a drink, all summer", "2026-06-01", "2026-08-31", "draft"),
    ],
    "ops@acme.example": [
        ("Spring Product Launch", "Rocket skates in every store", "2026-03-01", "2026-04-30", "active"),
        ("Trade Show 2026", "Booth QR codes and the catalog", "2026-05-12", "2026-05-14", "paused"),
    ],
    "hq@megabrand.example": [
        ("Global Brand Awareness", "Billboards and transit posters worldwide", "2026-01-01", "2026-12-31", "active"),
        ("Holiday Campaign", "Gift guide on packaging", "2026-11-15", "2026-12-31", "draft"),
    ],
}


def seed_demo_content(*, organization: Organization, users: list[User]) -> None:
    """A couple of campaigns per demo organization, created through the real service (so the
    activity feed shows them). Existing names are left alone."""
    admin = next((u for u in users if u.role == User.Role.ADMIN), None)
    if admin is None:
        return
    for name, description, start, end, status in DEMO_CAMPAIGNS.get(organization.company_email, []):
        if Campaign.objects.filter(organization=organization, name=name).exists():
            continue
        campaign_create(
            organization=organization, actor=admin,
            data={"name": name, "description": description, "start_date": dt.date.fromisoformat(start),
                  "end_date": dt.date.fromisoformat(end), "status": status},
        )
