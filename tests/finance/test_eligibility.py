"""Eligibility for an assembly (A5): active, not awarded, every installment due by the cut-off
paid by the cut-off; per-quota standings in the values the draw code takes."""

from __future__ import annotations

import datetime as dt

import pytest

from apps.draws.services.draw_methods import Standing
from apps.finance.selectors.eligibility import (
    QuotaStanding,
    StandingReason,
    eligibility_cutoff,
    excluded_quotas_for_draw,
    group_eligibility,
)
from apps.finance.services import delinquency, exclusions, payments
from apps.groups.services import quotas
from tests.finance.delinquency_support import DUE, bill, holder, pay, running_group

pytestmark = pytest.mark.django_db
S = QuotaStanding
ASSEMBLY = dt.date(2026, 3, 10)  # Tuesday; cut-off Monday 09/03 (the day before, A5)


@pytest.fixture
def group(finance_user):
    return running_group(finance_user)


@pytest.fixture
def billed(group, django_capture_on_commit_callbacks):
    """Quotas 1-4 sold in January, billed for January to March; 1 and 2 paid January."""
    for number in (1, 2, 3, 4):
        holder(group, number)
    charges = {month: bill(group, month, django_capture_on_commit_callbacks) for month in (1, 2, 3)}
    for number in (1, 2, 3, 4):
        pay(charges[1][number], DUE[1])
    return charges


def standings(group, assembly=ASSEMBLY, **kwargs) -> dict[int, QuotaStanding]:
    return group_eligibility(group=group, assembly_date=assembly, **kwargs).standings()


def test_the_standings_are_the_draw_code_s_values():
    assert {standing.value for standing in QuotaStanding} == {s.value for s in Standing}
    assert Standing(QuotaStanding.IN_DEFAULT.value) is Standing.IN_DEFAULT


def test_the_cut_off_is_the_day_before_the_assembly_by_default(group, finance_user):
    assert eligibility_cutoff(group, ASSEMBLY) == dt.date(2026, 3, 9)
    later = running_group(finance_user, rules={"eligibility_cutoff_days_before": 3})
    assert eligibility_cutoff(later, ASSEMBLY) == dt.date(2026, 3, 7)


def test_a_payment_on_the_cut_off_counts_and_one_after_it_does_not(group, billed):
    pay(billed[2][1], DUE[2])  # on time
    pay(billed[2][2], dt.date(2026, 3, 9))  # late, but on the cut-off date
    pay(billed[2][3], dt.date(2026, 3, 10))  # on the assembly day: after the cut-off
    # quota 4 never paid February

    answer = group_eligibility(group=group, assembly_date=ASSEMBLY)

    assert answer.cutoff == dt.date(2026, 3, 9)
    assert {n: s for n, s in answer.standings().items() if n <= 4} == {
        1: S.ELIGIBLE,
        2: S.ELIGIBLE,
        3: S.IN_DEFAULT,
        4: S.IN_DEFAULT,
    }
    four = answer.by_number()[4]
    assert (four.unpaid_installments, four.oldest_unpaid_due_date) == (1, DUE[2])
    assert answer.eligible_numbers() == (1, 2)


def test_an_installment_due_on_the_assembly_day_is_not_yet_required(group, billed):
    for number in (1, 2):
        pay(billed[2][number], DUE[2])
    # March's installment (due 10/03) is unpaid by everyone.

    due_that_day = standings(group, ASSEMBLY)
    due_before = standings(group, dt.date(2026, 3, 11))  # cut-off 10/03: now required

    assert (due_that_day[1], due_that_day[2]) == (S.ELIGIBLE, S.ELIGIBLE)
    assert (due_before[1], due_before[2]) == (S.IN_DEFAULT, S.IN_DEFAULT)


def test_a_reversed_payment_does_not_count(group, billed):
    payment = pay(billed[2][1], DUE[2]).payment
    payments.reverse_payment(
        payment=payment, justification="Estorno", reversed_on=dt.date(2026, 3, 2)
    )

    assert standings(group)[1] is S.IN_DEFAULT


def test_late_charges_alone_do_not_make_a_quota_ineligible(group, billed):
    # February paid 5 days late, for its amount only: fine and interest go on the next bill.
    result = pay(billed[2][1], dt.date(2026, 2, 15))

    assert result.difference > 0
    assert standings(group)[1] is S.ELIGIBLE


def test_awarded_excluded_sold_late_and_unsold_quotas_have_their_own_standings(
    group, finance_user, billed
):
    for number in (1, 2, 3, 4):
        pay(billed[2][number], DUE[2])
    quotas.award_quota(quota=holder(group, 5).quota, assembly_ref="AGO 10/02/2026")
    holder(group, 6, sold_on=dt.date(2026, 3, 9))  # sold on the cut-off date
    holder(group, 7, sold_on=dt.date(2026, 3, 10))  # sold after the cut-off
    excluded = holder(group, 8)
    delinquency.mark_delinquency(as_of=dt.date(2026, 3, 11))  # 8 never paid: 3 due dates
    proposal = excluded_proposal(excluded)
    exclusions.confirm_exclusion(proposal=proposal, actor=finance_user, on=dt.date(2026, 3, 11))

    answer = group_eligibility(group=group, assembly_date=ASSEMBLY)

    by_number = answer.by_number()
    assert {n: q.standing for n, q in by_number.items()} == {
        1: S.ELIGIBLE,
        2: S.ELIGIBLE,
        3: S.ELIGIBLE,
        4: S.ELIGIBLE,
        5: S.ALREADY_DRAWN,
        6: S.ELIGIBLE,
        7: S.NOT_ELIGIBLE,
        8: S.EXCLUDED,
        9: S.VACANT,
        10: S.VACANT,
        11: S.VACANT,
        12: S.VACANT,
    }
    assert by_number[7].reason is StandingReason.SOLD_AFTER_CUTOFF
    assert by_number[9].quota_version_id is None


def excluded_proposal(version):
    from apps.finance.models import ExclusionProposal

    return ExclusionProposal.objects.get(quota_version=version, state="proposed")


def test_one_quota_can_be_asked_alone(group, billed):
    answer = group_eligibility(group=group, assembly_date=ASSEMBLY, number=2)

    assert [(q.number, q.standing) for q in answer.quotas] == [(2, S.IN_DEFAULT)]


def test_the_whole_group_is_answered_in_a_few_queries(group, billed, django_assert_max_num_queries):
    # The rules in force (here the current ones: version 1 takes effect on its creation
    # date, today), then one set-based query for every quota.
    with django_assert_max_num_queries(3):
        answer = group_eligibility(group=group, assembly_date=ASSEMBLY)
    assert len(answer.quotas) == 12


def test_excluded_quotas_enter_the_excluded_draw_from_the_first_assembly_after_exclusion(
    group, finance_user
):
    first = holder(group, 1)
    second = holder(group, 2)
    awarded = holder(group, 3)
    quotas.award_quota(quota=awarded.quota, assembly_ref="AGO 10/02/2026")
    quotas.exclude_quota(quota=awarded.quota, reason="Desistência")
    delinquency.mark_delinquency(as_of=dt.date(2026, 3, 11))
    exclusions.confirm_exclusion(
        proposal=excluded_proposal(first), actor=finance_user, on=dt.date(2026, 3, 11)
    )
    exclusions.confirm_exclusion(
        proposal=excluded_proposal(second), actor=finance_user, on=dt.date(2026, 3, 11)
    )

    today = excluded_quotas_for_draw(group=group, assembly_date=first_excluded_on(first))
    next_day = excluded_quotas_for_draw(
        group=group, assembly_date=first_excluded_on(first) + dt.timedelta(days=1)
    )

    assert [(v.number, v.version, v.standing) for v in today] == [
        (1, 1, S.NOT_ELIGIBLE),
        (2, 1, S.NOT_ELIGIBLE),
        (3, 1, S.NOT_ELIGIBLE),
    ]
    assert [v.standing for v in next_day] == [S.ELIGIBLE, S.ELIGIBLE, S.NOT_ELIGIBLE]
    assert next_day[2].reason is StandingReason.AWARDED_BEFORE_EXCLUSION


def first_excluded_on(version) -> dt.date:
    from django.utils import timezone

    version.refresh_from_db()
    return timezone.localdate(version.ended_at)
