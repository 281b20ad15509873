"""Shared fixtures. Every test database gets two organizations, so a leak shows."""

import contextlib

import pytest
from rest_framework.test import APIClient

from core.scoping import bind_organization
from tenants.tests.factories import PASSWORD, OrganizationFactory, UserFactory
from tenants.tokens import tokens_for


@pytest.fixture(autouse=True)
def _fast_hashing_and_eager_off(settings):
    # Argon2 stays the production hasher (asserted in tests); MD5 keeps fixture setup fast.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher",
                                 *settings.PASSWORD_HASHERS]


@pytest.fixture(autouse=True)
def _clear_cache():
    from django.core.cache import cache

    # Redis may be deliberately down in some tests.
    with contextlib.suppress(Exception):
        cache.clear()
    yield


@pytest.fixture
def password() -> str:
    return PASSWORD


@pytest.fixture
def org_a(db):
    return OrganizationFactory(company_name="Org A", plan_type="small_business")


@pytest.fixture
def org_b(db):
    return OrganizationFactory(company_name="Org B", plan_type="medium_business")


@pytest.fixture
def admin_a(org_a):
    return UserFactory(organization=org_a, email="admin@a.example", role="Admin")


@pytest.fixture
def editor_a(org_a):
    return UserFactory(organization=org_a, email="editor@a.example", role="Editor")


@pytest.fixture
def viewer_a(org_a):
    return UserFactory(organization=org_a, email="viewer@a.example", role="Viewer")


@pytest.fixture
def admin_b(org_b):
    return UserFactory(organization=org_b, email="admin@b.example", role="Admin")


def api_client_for(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens_for(user)['token']}")
    return client


@pytest.fixture
def api_a(admin_a, org_b, admin_b) -> APIClient:
    """JWT client for org A's Admin; org B exists with its own Admin."""
    return api_client_for(admin_a)


@pytest.fixture
def api_b(admin_b) -> APIClient:
    return api_client_for(admin_b)


@pytest.fixture
def bound_a(org_a):
    with bind_organization(org_a):
        yield org_a
