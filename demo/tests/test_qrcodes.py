from core.scoping import bind_organization
from demo.qrcodes import seed_demo_content
from qrcodes.models import QRCode
from tenants.tests.factories import OrganizationFactory, UserFactory


def test_demo_codes_are_created_once_within_the_plan(db):
    org = OrganizationFactory(company_name="Pizza Palace Inc", company_email="owner@pizzapalace.com")
    users = [UserFactory(organization=org, role="Admin")]
    with bind_organization(org):
        seed_demo_content(organization=org, users=users)
        seed_demo_content(organization=org, users=users)
    codes = QRCode.all_orgs.filter(organization=org)
    assert codes.count() == 3
    assert codes.get(name="Front Door Menu").qr_url == "https://pizzapalace.com/menu"
    org.refresh_from_db()
    assert org.total_qr_codes == 3 <= org.max_qr_codes


def test_other_organizations_get_no_demo_codes(db):
    org = OrganizationFactory()
    with bind_organization(org):
        seed_demo_content(organization=org, users=[UserFactory(organization=org)])
    assert not QRCode.all_orgs.exists()
