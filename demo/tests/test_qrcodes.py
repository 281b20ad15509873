import datetime as dt

from django.db.models import F
from django.utils import timezone

from core.scoping import bind_organization
from demo.customers import CUSTOMERS
from demo.qrcodes import codes_seed
from qrcodes.models import QRCode
from tenants.tests.factories import OrganizationFactory, UserFactory

PIZZA = CUSTOMERS[0]


def test_demo_codes_are_created_once_within_the_plan_and_dated_back(db):
    org = OrganizationFactory(company_name="Pizza Palace Inc", company_email="owner@pizzapalace.com")
    writer = UserFactory(organization=org, role="Admin")
    now = timezone.now()
    with bind_organization(org):
        codes_seed(organization=org, writer=writer, specs=PIZZA.codes, now=now)
        codes_seed(organization=org, writer=writer, specs=PIZZA.codes, now=now)
    codes = QRCode.all_orgs.filter(organization=org)
    assert codes.count() == len(PIZZA.codes) == 4
    menu = codes.get(name="Front Door Menu")
    assert menu.qr_url == "https://pizzapalace.com/menu"
    assert menu.created_at < now - dt.timedelta(days=299)
    assert not codes.filter(created_at__gt=now).exists()
    assert not codes.filter(updated_at__lt=F("created_at")).exists()
    org.refresh_from_db()
    assert org.total_qr_codes == 4 <= org.max_qr_codes


def test_the_plan_limit_stops_the_demo_codes(db):
    org = OrganizationFactory(company_email="owner@pizzapalace.com", max_qr_codes=2)
    writer = UserFactory(organization=org, role="Admin")
    with bind_organization(org):
        made = codes_seed(organization=org, writer=writer, specs=PIZZA.codes, now=timezone.now())
    assert len(made) == 2 == QRCode.all_orgs.filter(organization=org).count()
