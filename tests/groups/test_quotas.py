"""Quotas of a group: numbering, reservation expiry, confirmation, re-sale, state machine."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.groups import selectors
from apps.groups.models import Quota, QuotaObligation, QuotaStatus, QuotaVersion
from apps.groups.services import quotas, sales
from apps.groups.services.quota_errors import (
    QuotaContractNotAccepted,
    QuotaInvalidTransition,
    QuotaNotAvailable,
    QuotaReservationExpired,
)
from consorcio.models.outbox import OutboxEvent
from tests.groups.conftest import make_group
from tests.members.factories import register


@pytest.fixture
def member(db, staff_user):
    return register(actor=staff_user)


def _expire(version: QuotaVersion) -> None:
    QuotaVersion.objects.filter(pk=version.pk).update(
        reserved_until=timezone.now() - dt.timedelta(seconds=1)
    )


@pytest.mark.embedded
def test_a_reservation_takes_the_lowest_free_number_for_fifteen_minutes(group, staff_user, member):
    before = timezone.now()
    version = sales.reserve_quota(actor=staff_user, group=group, member=member)
    assert Quota.objects.filter(group=group).count() == group.max_quotas
    assert version.quota.number == 1
    assert version.status == QuotaStatus.RESERVED
    assert version.version == 1
    assert before + dt.timedelta(minutes=15) <= version.reserved_until
    assert version.reserved_until <= timezone.now() + dt.timedelta(minutes=15)
    second = sales.reserve_quota(actor=staff_user, group=group, member=member)
    assert second.quota.number == 2


def test_quotas_are_created_once_however_often_they_are_ensured(group):
    assert quotas.ensure_quotas(group) == group.max_quotas
    assert quotas.ensure_quotas(group) == 0
    numbers = list(Quota.objects.filter(group=group).values_list("number", flat=True))
    assert sorted(numbers) == list(range(1, group.max_quotas + 1))


def test_reserving_a_held_quota_is_refused_and_changes_nothing(group, staff_user, member):
    held = sales.reserve_quota(actor=staff_user, group=group, member=member, number=7)
    with pytest.raises(QuotaNotAvailable):
        sales.reserve_quota(actor=staff_user, group=group, member=member, number=7)
    quota = Quota.objects.get(group=group, number=7)
    assert quota.current_version_id == held.pk
    assert QuotaVersion.objects.filter(quota=quota).count() == 1


def test_an_expired_reservation_frees_the_quota_for_another_sale(group, staff_user, member):
    first = sales.reserve_quota(actor=staff_user, group=group, member=member, number=3)
    _expire(first)
    quota = Quota.objects.select_related("current_version").get(pk=first.quota_id)
    assert selectors.quota_status(quota) == QuotaStatus.AVAILABLE
    other = register(actor=staff_user, name="João Souza")
    second = sales.reserve_quota(actor=staff_user, group=group, member=other, number=3)
    assert second.member_id == other.pk
    assert not QuotaVersion.objects.filter(pk=first.pk).exists()


def test_confirming_after_expiry_is_refused_and_nothing_changes(group, staff_user, member):
    version = sales.reserve_quota(actor=staff_user, group=group, member=member)
    _expire(version)
    events_before = OutboxEvent.objects.count()
    with pytest.raises(QuotaReservationExpired):
        sales.confirm_sale(actor=staff_user, reservation=version, contract_accepted=True)
    version.refresh_from_db()
    assert version.status == QuotaStatus.RESERVED
    assert version.sold_at is None
    assert not QuotaObligation.objects.exists()
    assert OutboxEvent.objects.count() == events_before


def test_confirming_without_the_contract_accepted_is_refused(group, staff_user, member):
    version = sales.reserve_quota(actor=staff_user, group=group, member=member)
    with pytest.raises(QuotaContractNotAccepted):
        sales.confirm_sale(actor=staff_user, reservation=version, contract_accepted=False)
    version.refresh_from_db()
    assert version.status == QuotaStatus.RESERVED


def test_a_confirmed_sale_records_the_upfront_fee_and_publishes_events(staff_user, member):
    group = make_group(rules={"admin_fee_upfront": Decimal("0.01")})
    version = sales.reserve_quota(actor=staff_user, group=group, member=member)
    sold = sales.confirm_sale(actor=staff_user, reservation=version, contract_accepted=True)
    assert sold.status == QuotaStatus.ACTIVE
    assert sold.contract_accepted_at is not None
    (obligation,) = QuotaObligation.objects.filter(quota_version=sold)
    assert obligation.kind == "upfront_fee"
    assert obligation.amount == Decimal("1000.00")  # 1% of R$ 100.000,00
    types = set(
        OutboxEvent.objects.filter(aggregate_id=str(sold.quota_id)).values_list("type", flat=True)
    )
    assert types == {"groups.quota.sold", "groups.quota.obligation_recorded"}
    assert selectors.group_has_members(group)
    assert list(selectors.participation_history(member.pk)) == [sold]


def test_a_plan_without_upfront_fee_records_no_obligation(group, staff_user, member):
    version = sales.reserve_quota(actor=staff_user, group=group, member=member)
    sales.confirm_sale(actor=staff_user, reservation=version, contract_accepted=True)
    assert not QuotaObligation.objects.exists()


def test_a_cancelled_reservation_frees_the_quota_at_once(group, staff_user, member):
    version = sales.reserve_quota(actor=staff_user, group=group, member=member, number=4)
    sales.cancel_reservation(actor=staff_user, reservation=version)
    quota = Quota.objects.select_related("current_version").get(group=group, number=4)
    assert quota.current_version is None
    assert selectors.quota_status(quota) == QuotaStatus.AVAILABLE
    assert not selectors.group_has_members(group)
    with pytest.raises(QuotaReservationExpired):
        sales.cancel_reservation(actor=staff_user, reservation=version)


def test_a_number_resold_after_exclusion_gets_version_two(group, staff_user, member):
    version = sales.reserve_quota(actor=staff_user, group=group, member=member, number=9)
    sales.confirm_sale(actor=staff_user, reservation=version, contract_accepted=True)
    quota = Quota.objects.get(pk=version.quota_id)
    quotas.exclude_quota(quota=quota, reason="Inadimplência")
    other = register(actor=staff_user, name="Ana Lima")
    resold = sales.reserve_quota(actor=staff_user, group=group, member=other, number=9)
    sales.confirm_sale(actor=staff_user, reservation=resold, contract_accepted=True)
    history = list(selectors.quota_versions(quota))
    assert [(v.version, v.status, v.member_id) for v in history] == [
        (1, QuotaStatus.EXCLUDED, member.pk),
        (2, QuotaStatus.ACTIVE, other.pk),
    ]
    assert list(selectors.participation_history(member.pk)) == [history[0]]


def test_invalid_status_changes_are_refused_and_change_nothing(group, staff_user, member):
    version = sales.reserve_quota(actor=staff_user, group=group, member=member)
    quota = Quota.objects.get(pk=version.quota_id)
    with pytest.raises(QuotaInvalidTransition):
        quotas.award_quota(quota=quota, assembly_ref="AGO-01")
    version.refresh_from_db()
    assert version.status == QuotaStatus.RESERVED
    sales.confirm_sale(actor=staff_user, reservation=version, contract_accepted=True)
    quotas.award_quota(quota=quota, assembly_ref="AGO-01")
    quotas.exclude_quota(quota=quota, reason="Inadimplência")
    with pytest.raises(QuotaInvalidTransition):
        quotas.award_quota(quota=quota, assembly_ref="AGO-02")
    version.refresh_from_db()
    assert version.status == QuotaStatus.EXCLUDED


def test_the_database_refuses_two_live_versions_of_one_quota(group, staff_user, member):
    version = sales.reserve_quota(actor=staff_user, group=group, member=member)
    with pytest.raises(IntegrityError), transaction.atomic():
        QuotaVersion.objects.create(
            quota_id=version.quota_id,
            version=2,
            member=member,
            status=QuotaStatus.ACTIVE,
        )
    assert QuotaVersion.objects.filter(quota_id=version.quota_id).count() == 1


def test_a_cancelled_award_makes_the_holder_active_again_only_for_that_assembly(
    group, staff_user, member
):
    version = sales.reserve_quota(actor=staff_user, group=group, member=member)
    quota = Quota.objects.get(pk=version.quota_id)
    sales.confirm_sale(actor=staff_user, reservation=version, contract_accepted=True)
    quotas.award_quota(quota=quota, assembly_ref="AGO-01")

    with pytest.raises(QuotaInvalidTransition):
        quotas.revoke_award(quota=quota, assembly_ref="AGO-02")
    version.refresh_from_db()
    assert (version.status, version.assembly_ref) == (QuotaStatus.AWARDED, "AGO-01")

    quotas.revoke_award(quota=quota, assembly_ref="AGO-01")
    version.refresh_from_db()
    assert (version.status, version.assembly_ref) == (QuotaStatus.ACTIVE, "")
    # Active again: it may be awarded at a later assembly.
    quotas.award_quota(quota=quota, assembly_ref="AGO-02")
    version.refresh_from_db()
    assert version.status == QuotaStatus.AWARDED
