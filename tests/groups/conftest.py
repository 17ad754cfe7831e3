"""Fixtures of the groups tests: a staff user and a group in formation with default rules."""

from __future__ import annotations

import itertools
from decimal import Decimal

import pytest

from apps.groups.services import plans
from tests.accounts.factories import UserFactory

_codes = itertools.count(1)

DEFAULT_RULES = {
    "contract_version": "2026.1",
    "adjustment_index": "incc",
    "admin_fee_total": Decimal("0.15"),
    "reserve_fund": Decimal("0.02"),
}


def make_group(**overrides):
    """Create a group through the service (100 months, 15% fee, 2% reserve, R$100,000)."""
    rules = {**DEFAULT_RULES, **overrides.pop("rules", {})}
    fields = {
        "code": f"G{next(_codes):04d}",
        "name": "Grupo Imóveis 100",
        "segment": "real_estate",
        "reference_credit_value": Decimal("100000.00"),
        "term_months": 100,
        "max_quotas": 200,
        **overrides,
    }
    return plans.create_group(rules=rules, **fields)


@pytest.fixture
def staff_user(db):
    return UserFactory()


@pytest.fixture
def group(db, staff_user):
    return make_group(actor=staff_user)
