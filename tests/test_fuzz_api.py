"""Schemathesis against /api/schema/: requests generated from the schema, sent as the Admin of
an enterprise organization with data, must never answer 5xx and every answer must be in the
schema (a documented status code and content type, a body matching its schema).

The schema is the one /api/schema/ serves (tests/test_schema.py checks they are equal), built
at import so that each operation is its own pytest test. The app is called through its WSGI
handler in this process (the whole middleware stack, no socket), and every example runs in a
savepoint that is rolled back afterwards: each example sees the same data, whatever the one
before it deleted. Path ids are drawn from the fixture's real objects or at random, so both
the "found" and the "not found" branches run.

Bounded and deterministic: FUZZ_EXAMPLES examples per operation (plus the schema's explicit
examples), a fixed seed, no example database. Every operation is included; the staff
endpoints (/api/admin/...) are called as an OI staff account.
"""

from __future__ import annotations

import os

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tenants.tests.factories import OrganizationFactory, UserFactory, staff_user
from tenants.tokens import tokens_for
from tests.conftest import api_schema_document, world_build

FUZZ_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "25"))
FUZZ_SEED = 20260707
CHECKS_RUN = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
REAL = "real-object-"  # a generated path id that the test replaces with the fixture's object of that kind
PATH_KINDS = {"qr_code_id": ("qr_code", "content_qr_code"), "campaign_id": ("campaign",),
              "upload_id": ("upload",), "user_id": ("user",)}

CONFIG = schemathesis.Config.from_dict({
    "seed": FUZZ_SEED,
    "generation": {"max-examples": FUZZ_EXAMPLES, "deterministic": True, "database": "none"},
    "phases": {"coverage": {"enabled": False}, "stateful": {"enabled": False}},
})


schema = schemathesis.openapi.from_dict(api_schema_document(), config=CONFIG)
schema.app = WSGIHandler()


@schema.hook
def before_generate_path_parameters(context, strategy):
    names = {p.name for p in context.operation.path_parameters}
    if not names or not names <= set(PATH_KINDS):
        return strategy
    real = st.fixed_dictionaries({
        n: st.sampled_from([f"{REAL}{kind}" for kind in PATH_KINDS[n]]) for n in sorted(names)})
    return st.one_of(strategy, real)


@pytest.fixture
def fuzz_tenant(db):
    org = OrganizationFactory(company_name="Fuzz Enterprise", plan_type="enterprise")
    admin = UserFactory(organization=org, email="admin@fuzz.example", role="Admin")
    world = world_build(org, admin, tag="fuzz")
    other_org = OrganizationFactory(company_name="Other", plan_type="medium_business")
    world_build(other_org, UserFactory(organization=other_org, role="Admin"), tag="other")
    return world


@pytest.fixture
def fuzz_staff(db):
    return staff_user()


@pytest.fixture
def in_process_requests():
    # Like django.test.Client: a request must not close the test's connection (it is inside
    # the test's transaction).
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.mark.slow
@schema.parametrize()
# The fixtures hold for all examples of an operation on purpose: each example is rolled back.
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
def test_api_answers_within_its_schema(case, fuzz_tenant, fuzz_staff, in_process_requests):
    # The staff API is fuzzed as an OI staff account (the tenant Admin's 403 is in the matrix).
    user = fuzz_staff if case.operation.path.startswith("/api/admin/") else fuzz_tenant.admin
    headers = {"Authorization": f"Bearer {tokens_for(user)['token']}"}
    for name, value in list((case.path_parameters or {}).items()):
        if isinstance(value, str) and value.startswith(REAL):
            case.path_parameters[name] = fuzz_tenant.id(value.removeprefix(REAL))
    with transaction.atomic():
        response = case.call(headers=headers)
        try:
            case.validate_response(response, checks=CHECKS_RUN, headers=headers)
        finally:
            transaction.set_rollback(True)
