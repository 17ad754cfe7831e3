"""Schemathesis against our own OpenAPI schema: every operation, as an authenticated admin.

Runs schemathesis's default response checks (no server error, documented status code and
content type, body matching the documented schema) on generated requests to every operation
of ``/api/schema/``, through the WSGI app in-process (same database transaction as the test).
"""

from __future__ import annotations

import pytest
import schemathesis
from django.conf import settings
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.test import override_settings
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from apps.accounts.roles import Role
from apps.accounts.services import tokens
from tests.accounts.factories import SalesChannelFactory, SalesRepresentativeFactory

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
# Few examples per operation (the `ci` profile's size at most): the point is every operation
# and every documented answer, quickly.
MAX_EXAMPLES = min(hypothesis_settings.default.max_examples, 25)


@pytest.fixture
def wsgi_app_in_test_transaction():
    """The project's WSGI app, keeping the test's database connection open across requests.

    Django closes a connection that is not in autocommit at each request's start and end;
    inside the test transaction that would drop it (Django's test client does the same).
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield get_wsgi_application()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def _generous_rates():
    rates = dict.fromkeys(("anon", "user", "client", "auth"), "100000/minute")
    return override_settings(
        REST_FRAMEWORK={**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    )


def _fuzz(operation, access: str, statuses: set[int]) -> None:
    """Generated requests (valid and invalid) to one operation, each answer checked."""
    strategy = st.one_of(
        operation.as_strategy(mode, headers={"Authorization": f"Bearer {access}"})
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
    )

    @given(case=strategy)
    @hypothesis_settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def exercise(case):
        statuses.add(case.call_and_validate(checks=CHECKS).status_code)

    exercise()


@pytest.mark.slow
@pytest.mark.django_db
def test_every_operation_answers_as_the_schema_documents(staff, wsgi_app_in_test_transaction):
    admin = staff(Role.ADMIN)
    SalesRepresentativeFactory(channel=SalesChannelFactory())
    # Issued by the service: Django's test client would reconnect close_old_connections.
    access = tokens.issue_token_pair(user=admin).access
    schema = schemathesis.openapi.from_wsgi(
        "/api/schema/",
        wsgi_app_in_test_transaction,
        headers={"Accept": "application/vnd.oai.openapi+json"},
    )
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 15

    answered: dict[str, set[int]] = {}
    with _generous_rates():
        for operation in operations:
            _fuzz(operation, access, answered.setdefault(operation.label, set()))

    assert all(answered.values()), "every operation was called"
    # The admin's token worked: lists answered 200 at least once.
    assert 200 in answered["GET /api/v1/sales-channels/"]
    assert 200 in answered["GET /api/v1/api-clients/"]
