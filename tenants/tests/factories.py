import factory
from django.conf import settings

from tenants.models import Organization, User
from tenants.plans import plan_for

PASSWORD = "Correct-Horse-42"


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    company_name = factory.Sequence(lambda n: f"Company {n}")
    company_email = factory.Sequence(lambda n: f"owner{n}@company{n}.example")
    plan_type = "small_business"
    max_contributors = factory.LazyAttribute(lambda o: plan_for(o.plan_type).max_contributors)
    max_qr_codes = factory.LazyAttribute(lambda o: plan_for(o.plan_type).max_qr_codes)
    storage_limit_gb = factory.LazyAttribute(lambda o: plan_for(o.plan_type).storage_limit_gb)
    monthly_price = factory.LazyAttribute(lambda o: plan_for(o.plan_type).monthly_price)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    full_name = factory.Sequence(lambda n: f"User {n}")
    organization = factory.SubFactory(OrganizationFactory)
    role = User.Role.ADMIN

    @factory.post_generation
    def password(self, create, extracted, **kwargs):
        self.set_password(extracted or PASSWORD)
        if create:
            self.save(update_fields=["password"])


def staff_user(**kw) -> User:
    return User.objects.create_superuser(kw.pop("email", "staff@outboundimpact.com"), PASSWORD, **kw)


assert "argon2" in settings.PASSWORD_HASHERS[0].lower()
