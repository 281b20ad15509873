"""The demo's three customers, the ones a visitor logs in as: who they are, where they are,
what they printed and when, what they run, and how busy their codes are.

- Pizza Palace Inc (small business, Chicago): a pizza shop; scans at lunch and dinner, busier on
  Fridays and Saturdays; near its plan's QR-code limit (an upgrade candidate in the console).
- Acme Corp (medium business, Phoenix): product codes scanned in office hours.
- MegaBrand Inc (enterprise, London): stores and billboards, scanned all day; more than 1,000
  scans and several campaigns (a "best performing customer" in the console).
Days are relative to the day the seed runs (demo.campaigns, demo.qrcodes)."""

from __future__ import annotations

from dataclasses import dataclass

from demo.campaigns import CampaignSpec
from demo.places import HOME_CITIES, HomeCity
from demo.qrcodes import CodeSpec
from demo.scans import ScanStory
from tenants.models import User
from tenants.plans import ENTERPRISE, MEDIUM_BUSINESS, SMALL_BUSINESS


@dataclass(frozen=True)
class Customer:
    company_name: str
    company_email: str
    plan: str
    phone: str
    billing_address: str
    city: HomeCity
    customer_days: int  # a customer for this many days
    users: list[tuple[str, str, str]]
    codes: list[CodeSpec]
    campaigns: list[CampaignSpec]
    kind: str  # demo.scans.HOURS key
    per_day: float  # scans per day

    @property
    def story(self) -> ScanStory:
        return ScanStory(city=self.city, kind=self.kind, per_day=self.per_day)


CUSTOMERS = [
    Customer(
        "Pizza Palace Inc", "owner@pizzapalace.com", SMALL_BUSINESS, "+1-312-555-0123",
        "123 W Randolph St, Chicago, IL 60601", HOME_CITIES["Chicago"], 420,
        users=[("john@pizzapalace.com", "John Smith", User.Role.ADMIN)],
        codes=[
            CodeSpec("Front Door Menu", "Main entrance, Randolph St", "https://pizzapalace.com/menu", 300, 3),
            CodeSpec("Delivery Box QR", "Printed on every delivery box", "https://pizzapalace.com/order", 150, 2),
            CodeSpec("Table Tent Reviews", "Dining room tables", "https://pizzapalace.com/reviews", 48, 1.5),
            CodeSpec("Patio Season Poster", "Patio entrance (goes up when the patio opens)",
                     "https://pizzapalace.com/patio", 2),
        ],
        campaigns=[
            CampaignSpec("Lunch Combo Deal", "Slice, salad and a drink for $9.99, weekdays 11-2", -24, 60,
                         ("Front Door Menu", "Delivery Box QR")),
            CampaignSpec("Game Day Pizza Party", "Large pie and wings for the big game; review us for a free dessert",
                         -40, 26, ("Table Tent Reviews",)),
            CampaignSpec("Patio Season Opening", "First pitcher free on the patio", 12, 45, ("Patio Season Poster",)),
        ],
        kind="pizza", per_day=7,
    ),
    Customer(
        "Acme Corp", "ops@acme.example", MEDIUM_BUSINESS, "+1-602-555-0199", "1 Acme Way, Phoenix, AZ 85004",
        HOME_CITIES["Phoenix"], 700,
        users=[
            ("wile@acme.example", "Wile E. Coyote", User.Role.ADMIN),
            ("editor@acme.example", "Road Runner", User.Role.EDITOR),
            ("viewer@acme.example", "Elmer Fudd", User.Role.VIEWER),
        ],
        codes=[
            CodeSpec("Product Catalog", "Showroom and catalog cover", "https://acme.example/catalog", 200, 3),
            CodeSpec("Anvil Safety Sheet", "Packaging insert", "https://acme.example/safety/anvil", 330, 2),
            CodeSpec("Careers Poster", "Office lobby", "https://acme.example/careers", 90, 1),
            CodeSpec("Desert Expo Booth", "Booth banner, Phoenix Convention Center", "https://acme.example/expo", 52,
                     2),
        ],
        campaigns=[
            CampaignSpec("Rocket Skates Launch", "Rocket skates in every store", -18, 50, ("Product Catalog",)),
            CampaignSpec("Anvil Safety Refresh", "New safety sheet on every anvil box", -30, 60,
                         ("Anvil Safety Sheet",), paused=True),
            CampaignSpec("Desert Expo", "Booth QR codes and the catalog at the expo", -33, 2,
                         ("Desert Expo Booth",), prepared=20),
            CampaignSpec("Hiring Open House", "Meet the engineering team", 9, 1, ("Careers Poster",)),
        ],
        kind="office", per_day=9,
    ),
    Customer(
        "MegaBrand Inc", "hq@megabrand.example", ENTERPRISE, "+44-20-5550-0100", "10 Brand Street, London W1",
        HOME_CITIES["London"], 1000,
        users=[
            ("ceo@megabrand.example", "Mega Admin", User.Role.ADMIN),
            ("marketing@megabrand.example", "Marketing Editor", User.Role.EDITOR),
        ],
        codes=[
            CodeSpec("Hotel Lobby", "London flagship lobby", "https://megabrand.example/welcome", 400, 2),
            CodeSpec("Billboard Summer", "Piccadilly Circus billboard", "https://megabrand.example/summer", 75, 3),
            CodeSpec("Store Window", "Oxford Street store window", "https://megabrand.example/stores", 250, 3),
            CodeSpec("Loyalty Signup", "Checkout counters", "https://megabrand.example/loyalty", 180, 2.5),
            CodeSpec("Tube Poster", "Underground station posters", "https://megabrand.example/city", 30, 2),
            CodeSpec("Gift Guide Pack", "On the packaging of the gift range", "https://megabrand.example/gifts", 1),
        ],
        campaigns=[
            CampaignSpec("Global Brand Awareness", "Billboards and transit posters", -60, 240,
                         ("Billboard Summer", "Tube Poster", "Hotel Lobby")),
            CampaignSpec("Loyalty Drive", "Sign up at the till, 10% off the next visit", -45, 120,
                         ("Loyalty Signup", "Store Window")),
            CampaignSpec("Window Takeover", "A month-long window display", -55, 30, ("Store Window",)),
            CampaignSpec("Gift Guide Launch", "Gift guide on packaging", 14, 50, ("Gift Guide Pack",)),
        ],
        kind="retail", per_day=30,
    ),
]
