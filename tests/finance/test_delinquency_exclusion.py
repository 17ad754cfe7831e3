"""Exclusion for default (A5, §6, §7): proposed by the daily job after the group's threshold,
confirmed by staff through the groups context, dismissed with a reason, withdrawn when paid."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from auditlog.models import LogEntry

from apps.finance.models import DelinquencyStatus, ExclusionProposal
from apps.finance.selectors import delinquency as delinquency_selectors
from apps.finance.services import delinquency, exclusions
from apps.finance.services.exclusions import (
    ExclusionJustificationRequired,
    ExclusionNotApplicable,
    ExclusionProposalDecided,
)
from apps.groups.services import quotas
from tests.finance.delinquency_support import DUE, bill, events, holder, pay, running_group

pytestmark = pytest.mark.django_db
D = Decimal
MARKED = "finance.quota.marked_for_exclusion"
DISMISSED = "finance.quota.exclusion_dismissed"
CONFIRMED = "finance.quota.exclusion_confirmed"
THIRD_PASSED = dt.date(2026, 3, 11)  # the day after the third due date (10/03/2026)


@pytest.fixture
def group(finance_user):
    return running_group(finance_user)


def proposal_of(version) -> ExclusionProposal:
    return ExclusionProposal.objects.get(quota_version=version, state="proposed")


def test_the_third_consecutive_due_date_passing_unpaid_proposes_the_exclusion(group, finance_user):
    version = holder(group, 1, actor=finance_user)

    on_third_due_date = delinquency.mark_delinquency(as_of=DUE[3])
    assert on_third_due_date.total("proposed") == 0
    passed = delinquency.mark_delinquency(as_of=THIRD_PASSED)
    again = delinquency.mark_delinquency(as_of=THIRD_PASSED)

    assert (passed.total("proposed"), again.total("proposed")) == (1, 0)
    proposal = proposal_of(version)
    assert (proposal.unpaid_due_dates, proposal.threshold, proposal.proposed_on) == (
        3,
        3,
        THIRD_PASSED,
    )
    assert (proposal.oldest_due_date, proposal.overdue_amount) == (DUE[1], D("3510.00"))
    version.refresh_from_db()
    assert version.status == "active"  # a proposal only: staff decide
    (event,) = events(MARKED)
    assert (event["proposal_id"], event["member_id"], event["unpaid_due_dates"]) == (
        proposal.pk,
        version.member_id,
        3,
    )
    assert LogEntry.objects.get_for_object(proposal).count() == 1  # audited


def test_a_group_with_a_lower_threshold_proposes_earlier(finance_user):
    group = running_group(finance_user, rules={"exclusion_threshold": 2})
    holder(group, 1)

    assert delinquency.mark_delinquency(as_of=dt.date(2026, 2, 11)).total("proposed") == 1


def test_alternate_unpaid_due_dates_count_only_where_the_old_circular_rules_say_so(
    finance_user, django_capture_on_commit_callbacks
):
    res_285 = running_group(finance_user)
    circular = running_group(
        finance_user,
        rules={
            "regime": "circular_3432",
            "exclusion_threshold": 3,
            "exclusion_counts_alternate": True,
        },
    )
    for group in (res_285, circular):
        holder(group, 1)
        bill(group, 1, django_capture_on_commit_callbacks)
        pay(bill(group, 2, django_capture_on_commit_callbacks)[1], DUE[2])

    # Unpaid 1, 3 and 4 (2 paid): three due dates, two of them consecutive.
    delinquency.mark_delinquency(as_of=dt.date(2026, 4, 13))

    assert not ExclusionProposal.objects.filter(group=res_285).exists()
    (proposal,) = ExclusionProposal.objects.filter(group=circular)
    assert (proposal.unpaid_due_dates, proposal.counts_alternate) == (3, True)


def test_an_awarded_quota_is_never_proposed_for_exclusion(group):
    version = holder(group, 1)
    quotas.award_quota(quota=version.quota, assembly_ref="AGO 12/01/2026")

    delinquency.mark_delinquency(as_of=THIRD_PASSED)

    assert DelinquencyStatus.objects.get(quota_version=version).consecutive_overdue == 3
    assert not ExclusionProposal.objects.exists()


def test_confirming_excludes_the_quota_through_the_groups_context(group, finance_user):
    version = holder(group, 1, actor=finance_user)
    delinquency.mark_delinquency(as_of=THIRD_PASSED)
    proposal = proposal_of(version)

    confirmed = exclusions.confirm_exclusion(
        proposal=proposal, actor=finance_user, note="Notificado em 01/03", on=THIRD_PASSED
    )

    version.refresh_from_db()
    assert version.status == "excluded"
    assert "Inadimplência: 3 vencimento(s)" in version.end_reason
    assert (confirmed.state, confirmed.decided_by, confirmed.decision_note) == (
        "confirmed",
        finance_user,
        "Notificado em 01/03",
    )
    assert not DelinquencyStatus.objects.filter(quota_version=version).exists()
    (event,) = events(CONFIRMED)
    assert (event["proposal_id"], event["confirmed_by_id"]) == (proposal.pk, finance_user.pk)
    # The excluded holder is no longer marked, proposed or said to have paid.
    later = delinquency.mark_delinquency(as_of=dt.date(2026, 4, 20))
    assert later.total("delinquent") == later.total("proposed") == later.total("cleared") == 0


def test_confirming_twice_is_refused(group, finance_user):
    version = holder(group, 1)
    delinquency.mark_delinquency(as_of=THIRD_PASSED)
    proposal = proposal_of(version)
    exclusions.confirm_exclusion(proposal=proposal, actor=finance_user, on=THIRD_PASSED)

    with pytest.raises(ExclusionProposalDecided):
        exclusions.confirm_exclusion(proposal=proposal, actor=finance_user, on=THIRD_PASSED)
    assert len(events(CONFIRMED)) == 1


def test_confirming_after_the_arrears_were_paid_is_refused_and_changes_nothing(
    group, finance_user, django_capture_on_commit_callbacks
):
    version = holder(group, 1)
    charges = [bill(group, month, django_capture_on_commit_callbacks)[1] for month in (1, 2, 3)]
    delinquency.mark_delinquency(as_of=THIRD_PASSED)
    proposal = proposal_of(version)
    pay(charges[0], dt.date(2026, 3, 12))

    with pytest.raises(ExclusionNotApplicable, match="2 vencimento"):
        exclusions.confirm_exclusion(proposal=proposal, actor=finance_user, on=dt.date(2026, 3, 13))

    version.refresh_from_db()
    proposal.refresh_from_db()
    assert (version.status, proposal.state) == ("active", "proposed")
    assert events(CONFIRMED) == []


def test_confirming_an_awarded_quota_is_refused(group, finance_user):
    version = holder(group, 1)
    delinquency.mark_delinquency(as_of=THIRD_PASSED)
    proposal = proposal_of(version)
    quotas.award_quota(quota=version.quota, assembly_ref="AGO 10/03/2026")

    with pytest.raises(ExclusionNotApplicable, match="não está mais ativa"):
        exclusions.confirm_exclusion(proposal=proposal, actor=finance_user, on=THIRD_PASSED)

    version.refresh_from_db()
    assert version.status == "awarded"


def test_paying_the_arrears_withdraws_the_open_proposal(
    group, finance_user, django_capture_on_commit_callbacks
):
    version = holder(group, 1)
    charges = [bill(group, month, django_capture_on_commit_callbacks)[1] for month in (1, 2, 3)]
    delinquency.mark_delinquency(as_of=THIRD_PASSED)
    for charge in charges:
        pay(charge, dt.date(2026, 3, 12))

    result = delinquency.mark_delinquency(as_of=dt.date(2026, 3, 13))

    assert (result.total("withdrawn"), result.total("cleared")) == (1, 1)
    proposal = ExclusionProposal.objects.get(quota_version=version)
    assert (proposal.state, proposal.decided_by) == ("dismissed", None)
    assert "Retirada automaticamente" in proposal.decision_note
    (event,) = events(DISMISSED)
    assert (event["automatic"], event["dismissed_by_id"]) == (True, None)


def test_dismissing_needs_a_reason_and_is_not_reproposed_until_another_due_date_passes(
    group, finance_user
):
    version = holder(group, 1)
    delinquency.mark_delinquency(as_of=THIRD_PASSED)
    proposal = proposal_of(version)

    with pytest.raises(ExclusionJustificationRequired):
        exclusions.dismiss_exclusion(proposal=proposal, actor=finance_user, reason="  ")
    proposal.refresh_from_db()
    assert proposal.state == "proposed"

    exclusions.dismiss_exclusion(
        proposal=proposal, actor=finance_user, reason="Acordo de pagamento em andamento"
    )
    same = delinquency.mark_delinquency(as_of=dt.date(2026, 3, 20))
    fourth_passed = delinquency.mark_delinquency(as_of=dt.date(2026, 4, 13))

    assert (same.total("proposed"), fourth_passed.total("proposed")) == (0, 1)
    assert proposal_of(version).unpaid_due_dates == 4
    dismissed = events(DISMISSED)
    assert [(e["automatic"], e["dismissed_by_id"]) for e in dismissed] == [(False, finance_user.pk)]


def test_the_lists_staff_read_show_the_worst_first(group, finance_user):
    first = holder(group, 1)
    holder(group, 2, sold_on=dt.date(2026, 2, 1))  # owes from 10/02 only
    delinquency.mark_delinquency(as_of=THIRD_PASSED)

    rows = list(delinquency_selectors.delinquent_quotas(group))
    proposals = list(delinquency_selectors.exclusion_proposals(group=group))

    assert [(row.quota.number, row.consecutive_overdue) for row in rows] == [(1, 3), (2, 2)]
    assert [proposal.quota_version_id for proposal in proposals] == [first.pk]
