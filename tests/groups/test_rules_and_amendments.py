"""Group rules: defaults, ranges, editing before members, versioned amendments after."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from apps.groups import selectors
from apps.groups.models import ConsortiumGroup, GroupRules
from apps.groups.services import amendments, lifecycle, plans
from apps.groups.services.errors import (
    GroupAmendmentRefused,
    GroupRulesInvalid,
    GroupRulesLocked,
)
from apps.groups.services.fractions import installment_reais
from consorcio.models import OutboxEvent
from tests.groups.conftest import make_group

pytestmark = pytest.mark.django_db


def _snapshot(group):
    return (
        ConsortiumGroup.objects.values().get(pk=group.pk),
        list(GroupRules.objects.filter(group=group).values()),
        OutboxEvent.objects.count(),
    )


def test_a_new_group_gets_domain_defaults_in_its_rules_version_1(group):
    rules = group.current_rules
    assert rules.version == 1
    assert (rules.draw_method, rules.search_direction) == ("A", "up_first")
    assert rules.lottery_extraction == "latest_on_or_before"
    assert (rules.draws_per_assembly, rules.excluded_refunds_per_assembly) == (1, 1)
    assert rules.eligibility_cutoff_days_before == 1
    assert rules.bid_closing_time == dt.time(23, 59)
    assert rules.bid_payment_business_days == 3
    assert rules.bid_application == "last_installments"
    assert (rules.late_fine, rules.late_interest_monthly) == (Decimal("0.02"), Decimal("0.01"))
    assert rules.late_group_share == Decimal("0.5")
    assert rules.exclusion_threshold == 3
    assert rules.refund_penalty == 0
    assert rules.regime == "res_285"
    assert OutboxEvent.objects.filter(
        type="groups.group.created", aggregate_id=str(group.pk)
    ).exists()


def test_the_plan_terms_of_a_group_give_worked_example_1(group):
    terms = plans.plan_terms(group)
    assert installment_reais(terms, 1, group.reference_credit_value)["total"] == Decimal("1170.00")


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"late_group_share": Decimal("0.49")}, "late_group_share"),
        ({"exclusion_threshold": 4}, "exclusion_threshold"),
        ({"admin_fee_upfront": Decimal("0.2")}, "admin_fee_upfront"),
        ({"assembly_day": 32}, "assembly_day"),
        ({"fixed_bid_allowed": True}, "fixed_bid_fraction"),
        ({"embedded_bid_allowed": True}, "embedded_bid_max_fraction"),
        ({"exclusion_counts_alternate": True}, "exclusion_counts_alternate"),
    ],
)
def test_rules_out_of_range_are_refused_at_creation_and_nothing_is_created(changes, field):
    before = ConsortiumGroup.objects.count(), GroupRules.objects.count()
    with pytest.raises(GroupRulesInvalid) as refusal:
        make_group(rules=changes)
    assert refusal.value.code == "group_rules_invalid"
    assert (ConsortiumGroup.objects.count(), GroupRules.objects.count()) == before


def test_a_former_circular_group_may_exclude_after_more_than_3_unpaid_due_dates():
    group = make_group(rules={"regime": "circular_3432", "exclusion_threshold": 4})
    assert group.current_rules.exclusion_threshold == 4


def test_the_database_refuses_a_group_share_below_half_even_bypassing_services(group):
    with pytest.raises(IntegrityError), transaction.atomic():
        GroupRules.objects.filter(pk=group.current_rules_id).update(late_group_share=Decimal("0.4"))


def test_rules_of_a_group_in_formation_can_be_edited_in_place(group, staff_user):
    rules = plans.update_group_rules(
        group=group, changes={"reserve_fund": Decimal("0.03")}, actor=staff_user
    )
    assert (rules.version, rules.reserve_fund) == (1, Decimal("0.03"))
    assert GroupRules.objects.filter(group=group).count() == 1


def test_editing_rules_of_a_group_with_members_is_refused_and_changes_nothing(group, staff_user):
    lifecycle.constitute_group(group=group, on_date=dt.date(2026, 3, 10))
    assert selectors.group_has_members(group)
    before = _snapshot(group)
    with pytest.raises(GroupRulesLocked) as refusal:
        plans.update_group_rules(
            group=group, changes={"reserve_fund": Decimal("0.03")}, actor=staff_user
        )
    assert refusal.value.code == "group_rules_locked"
    assert _snapshot(group) == before


def test_an_amendment_creates_version_2_and_keeps_version_1_retrievable(group, staff_user):
    lifecycle.constitute_group(group=group, on_date=dt.date(2026, 3, 10))
    amended = amendments.amend_group_rules(
        group=group,
        changes={"draws_per_assembly": 2, "bid_application": "spread"},
        reason="AGE de 12/05/2026",
        actor=staff_user,
        effective_from=dt.date(2026, 6, 1),
    )
    group.refresh_from_db()
    assert group.current_rules == amended
    assert (amended.version, amended.draws_per_assembly, amended.bid_application) == (
        2,
        2,
        "spread",
    )
    assert amended.created_by == staff_user
    old = selectors.rules_version(group, 1)
    assert (old.draws_per_assembly, old.bid_application) == (1, "last_installments")
    assert [r.version for r in selectors.rules_history(group)] == [1, 2]
    event = OutboxEvent.objects.get(type="groups.group.rules_amended")
    assert event.payload["changed_fields"] == ["bid_application", "draws_per_assembly"]
    assert event.payload["effective_from"] == "2026-06-01"


@pytest.mark.parametrize(
    ("changes", "reason", "error"),
    [
        ({"draws_per_assembly": 2}, "  ", GroupAmendmentRefused),
        ({"draws_per_assembly": 1}, "sem mudança", GroupAmendmentRefused),
        ({"late_group_share": Decimal("0.3")}, "AGE", GroupRulesInvalid),
        ({"term_months": 90}, "AGE", GroupRulesInvalid),
    ],
)
def test_a_bad_amendment_is_refused_and_changes_nothing(group, staff_user, changes, reason, error):
    lifecycle.constitute_group(group=group, on_date=dt.date(2026, 3, 10))
    before = _snapshot(group)
    with pytest.raises(error):
        amendments.amend_group_rules(group=group, changes=changes, reason=reason, actor=staff_user)
    assert _snapshot(group) == before


def test_a_closed_group_cannot_be_amended(group, staff_user):
    for step in (lifecycle.constitute_group, lifecycle.start_closing, lifecycle.close_group):
        step(group=group, on_date=dt.date(2026, 3, 10))
    before = _snapshot(group)
    with pytest.raises(GroupAmendmentRefused):
        amendments.amend_group_rules(
            group=group, changes={"draws_per_assembly": 2}, reason="AGE", actor=staff_user
        )
    assert _snapshot(group) == before


def test_roles_get_the_groups_permissions_the_migration_grants():
    from django.contrib.auth.models import Group

    def perms(role):
        return set(
            Group.objects.get(name=role)
            .permissions.filter(
                content_type__app_label="groups",
                content_type__model__in=["consortiumgroup", "grouprules"],
            )
            .values_list("codename", flat=True)
        )

    assert {"add_consortiumgroup", "change_consortiumgroup", "view_consortiumgroup"} <= perms(
        "operations"
    )
    assert "delete_consortiumgroup" not in perms("operations")
    assert "delete_consortiumgroup" in perms("admin")
    for role in ("sales", "finance", "credit", "auditor"):
        assert perms(role) == {"view_consortiumgroup", "view_grouprules"}


def test_a_duplicate_group_code_is_refused_and_nothing_is_created(group):
    from apps.groups.services.errors import GroupDataInvalid

    before = ConsortiumGroup.objects.count(), GroupRules.objects.count()
    with pytest.raises(GroupDataInvalid) as refusal:
        make_group(code=group.code)
    assert refusal.value.extra["errors"]["code"]
    assert (ConsortiumGroup.objects.count(), GroupRules.objects.count()) == before
