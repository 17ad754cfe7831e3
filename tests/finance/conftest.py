"""Fixtures shared by the finance tests: a group and the quota versions money is attributed to."""

from __future__ import annotations

import pytest

from apps.groups.services import quotas, sales
from tests.accounts.factories import UserFactory
from tests.groups.conftest import make_group
from tests.members.factories import register


@pytest.fixture
def finance_user(db):
    return UserFactory()


@pytest.fixture
def ledger_group(db, finance_user):
    """A group (100 months, 15% fee, 2% reserve, R$100,000) with its quota numbers."""
    group = make_group(actor=finance_user, max_quotas=10)
    quotas.ensure_quotas(group)
    return group


def reserve_version(group, user, number: int):
    """A quota version of ``group`` (reserved by a new member through the sales service)."""
    member = register(actor=user, name=f"Consorciado {number}")
    return sales.reserve_quota(actor=user, group=group, member=member, number=number)


@pytest.fixture
def quota_version(ledger_group, finance_user):
    return reserve_version(ledger_group, finance_user, 1)
