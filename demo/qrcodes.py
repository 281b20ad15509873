"""Demo content for `manage.py seed_demo` (the qrcodes part). Idempotent: called on every run.
QR codes are created through qrcodes.services (plan limits, activity log) and matched by name,
so a second run creates nothing."""

from __future__ import annotations

from tenants.models import Organization, User

DEMO_QR_CODES: dict[str, list[tuple[str, str, str]]] = {
    # company_email -> (name, location, destination); within each plan's limit.
    "owner@pizzapalace.com": [
        ("Front Door Menu", "Main Entrance - Downtown Location", "https://pizzapalace.com/menu"),
        ("Delivery Box QR", "Printed on every delivery box", "https://pizzapalace.com/order"),
        ("Table Tent Reviews", "Dining room tables", "https://pizzapalace.com/reviews"),
    ],
    "ops@acme.example": [
        ("Product Catalog", "Trade show booth", "https://acme.example/catalog"),
        ("Anvil Safety Sheet", "Packaging insert", "https://acme.example/safety/anvil"),
        ("Careers Poster", "Office lobby", "https://acme.example/careers"),
    ],
    "hq@megabrand.example": [
        ("Hotel Lobby", "London flagship lobby", "https://megabrand.example/welcome"),
        ("Billboard Summer", "Piccadilly Circus billboard", "https://megabrand.example/summer"),
        ("Store Window", "Oxford Street store window", "https://megabrand.example/stores"),
        ("Loyalty Signup", "Checkout counters", "https://megabrand.example/loyalty"),
    ],
}


def seed_demo_content(*, organization: Organization, users: list[User]) -> None:
    """Create this app's demo rows for one demo organization, unless they exist."""
    from qrcodes.models import QRCode
    from qrcodes.services import qr_code_create

    specs = DEMO_QR_CODES.get(organization.company_email, [])
    writer = next((u for u in users if u.role in (User.Role.ADMIN, User.Role.EDITOR)), None)
    if not specs or writer is None:
        return
    existing = set(QRCode.objects.filter(organization=organization).values_list("name", flat=True))
    for name, location, url in specs:
        if name in existing:
            continue
        organization.refresh_from_db()
        if organization.max_qr_codes is not None and organization.total_qr_codes >= organization.max_qr_codes:
            break
        qr_code_create(organization=organization, actor=writer, data={"name": name, "location": location, "qr_url": url})
