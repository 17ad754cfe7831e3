"""The database's own guarantees under the draws services: one live award per quota version
ever, one live bid per quota version and assembly, one result per assembly, consistent money."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from apps.draws.models import (
    AssemblyResult,
    Award,
    AwardKind,
    AwardState,
    Bid,
    BidExpression,
    BidKind,
    BidStatus,
)
from tests.accounts.factories import UserFactory
from tests.draws.assembly_support import draws_group, march_assembly
from tests.finance.delinquency_support import holder

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def setting(db):
    user = UserFactory()
    group = draws_group(user, max_quotas=12)
    version = holder(group, 7)
    assembly = march_assembly(group)
    return assembly, version


def award(assembly, version, state=AwardState.CONFIRMED, **fields):
    values = {
        "assembly": assembly,
        "quota_id": version.quota_id,
        "quota_version": version,
        "kind": AwardKind.DRAW,
        "state": state,
        "credit_value": D("100000.00"),
        "amount_used": D("100000.00"),
        "money_before": D("100000.00"),
        "money_after": D("0.00"),
        "rank": 1,
    } | fields
    return Award.objects.create(**values)


def bid(assembly, version, status=BidStatus.LIVE, receipt="a" * 64):
    return Bid.objects.create(
        assembly=assembly,
        quota_id=version.quota_id,
        quota_version=version,
        kind=BidKind.FREE,
        expressed_as=BidExpression.PERCENT,
        fraction=D("0.3"),
        cash_fraction=D("0.3"),
        status=status,
        canonical="{}",
        receipt=receipt,
    )


def test_a_quota_version_never_holds_two_live_awards(setting):
    assembly, version = setting
    award(assembly, version)

    with pytest.raises(IntegrityError), transaction.atomic():
        award(assembly, version, rank=2)

    assert Award.objects.filter(quota_version=version).count() == 1


def test_a_lapsed_or_cancelled_award_leaves_room_for_a_new_live_one(setting):
    assembly, version = setting
    first = award(assembly, version, state=AwardState.LAPSED)
    award(assembly, version, state=AwardState.CANCELLED, rank=2)

    live = award(assembly, version, rank=3)

    assert {a.state for a in Award.objects.filter(quota_version=version)} == {
        AwardState.LAPSED,
        AwardState.CANCELLED,
        AwardState.CONFIRMED,
    }
    assert live.pk != first.pk


def test_a_pending_bid_award_and_a_confirmed_award_are_both_live(setting):
    assembly, version = setting
    placed = bid(assembly, version, status=BidStatus.WON)
    award(
        assembly,
        version,
        state=AwardState.PENDING_PAYMENT,
        kind=AwardKind.BID,
        bid=placed,
        amount_used=D("60000.00"),
        money_after=D("40000.00"),
    )

    with pytest.raises(IntegrityError), transaction.atomic():
        award(assembly, version, rank=2)


def test_only_one_live_bid_per_quota_version_and_assembly(setting):
    assembly, version = setting
    bid(assembly, version)
    bid(assembly, version, status=BidStatus.REPLACED, receipt="b" * 64)

    with pytest.raises(IntegrityError), transaction.atomic():
        bid(assembly, version, receipt="c" * 64)

    assert Bid.objects.filter(status=BidStatus.LIVE).count() == 1


def test_a_bid_s_parts_sum_to_its_total(setting):
    assembly, version = setting
    with pytest.raises(IntegrityError), transaction.atomic():
        Bid.objects.create(
            assembly=assembly,
            quota_id=version.quota_id,
            quota_version=version,
            kind=BidKind.EMBEDDED,
            expressed_as=BidExpression.PERCENT,
            fraction=D("0.3"),
            embedded_fraction=D("0.2"),
            cash_fraction=D("0.2"),
            canonical="{}",
            receipt="d" * 64,
        )


def test_an_award_s_money_after_is_its_money_before_less_what_it_used(setting):
    assembly, version = setting
    with pytest.raises(IntegrityError), transaction.atomic():
        award(assembly, version, money_after=D("1.00"))


def test_one_result_per_assembly_and_its_carry_over_is_what_was_not_used(setting):
    assembly, _ = setting
    values = {
        "inputs": {},
        "inputs_sha256": "0" * 64,
        "outcome": {},
        "money_available": D("10.00"),
        "money_used": D("4.00"),
    }
    AssemblyResult.objects.create(assembly=assembly, carry_over=D("6.00"), **values)

    with pytest.raises(IntegrityError), transaction.atomic():
        AssemblyResult.objects.create(assembly=assembly, carry_over=D("6.00"), **values)
    AssemblyResult.objects.filter(assembly=assembly).delete()
    with pytest.raises(IntegrityError), transaction.atomic():
        AssemblyResult.objects.create(assembly=assembly, carry_over=D("7.00"), **values)
