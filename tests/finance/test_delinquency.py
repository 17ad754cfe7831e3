"""The daily delinquency job: overdue charges, each holder's status, its events (A4, A5, §6)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django_celery_beat.models import PeriodicTask

from apps.finance.models import DelinquencyStatus, Installment
from apps.finance.selectors import delinquency as delinquency_selectors
from apps.finance.services import delinquency
from apps.groups.services import quotas, transfers
from tests.finance.delinquency_support import DUE, bill, events, holder, pay, running_group
from tests.members.factories import register

pytestmark = pytest.mark.django_db
D = Decimal
BECAME = "finance.quota.became_delinquent"
INCREASED = "finance.quota.delinquency_increased"
CLEARED = "finance.quota.delinquency_cleared"


@pytest.fixture
def group(finance_user):
    return running_group(finance_user)


def status_of(version) -> DelinquencyStatus | None:
    return DelinquencyStatus.objects.filter(quota_version=version).first()


def test_the_group_calendar_gives_the_due_dates_these_tests_use(group):
    version = holder(group, 1)

    due = Installment.objects.filter(schedule__quota_version=version).order_by("number")

    assert list(due.values_list("due_date", flat=True)[:5]) == [DUE[n] for n in range(1, 6)]


def test_an_installment_is_overdue_only_from_the_day_after_its_due_date(
    group, finance_user, django_capture_on_commit_callbacks
):
    version = holder(group, 1, actor=finance_user)
    charge = bill(group, 1, django_capture_on_commit_callbacks)[1]

    on_due_day = delinquency.mark_delinquency(as_of=DUE[1])
    assert on_due_day.total("delinquent") == 0
    assert status_of(version) is None
    charge.refresh_from_db()
    assert charge.status == "open"

    next_day = delinquency.mark_delinquency(as_of=DUE[1] + dt.timedelta(days=1))

    assert (next_day.total("delinquent"), next_day.total("charges_overdue")) == (1, 1)
    status = status_of(version)
    assert (status.overdue_installments, status.consecutive_overdue, status.days_late) == (1, 1, 1)
    assert (status.oldest_due_date, status.overdue_amount) == (DUE[1], D("1170.00"))
    assert status.overdue_fraction == D("0.0117")
    charge.refresh_from_db()
    assert charge.status == "overdue"
    (event,) = events(BECAME)
    assert event["quota_version_id"] == version.pk
    assert event["member_id"] == version.member_id
    assert (event["number"], event["overdue_installments"], event["days_late"]) == (1, 1, 1)
    assert event["overdue_amount"] == "1170.00"


def test_a_due_date_on_a_holiday_is_overdue_only_after_the_next_business_day():
    # Good Friday, 03/04/2026: a due date that day moves to Monday 06/04 (A4).
    good_friday = dt.date(2026, 4, 3)

    assert delinquency_selectors.overdue_through(dt.date(2026, 4, 6)) < good_friday
    assert delinquency_selectors.overdue_through(dt.date(2026, 4, 7)) == dt.date(2026, 4, 6)
    # Saturday and Sunday count from Friday's due date: already overdue on Monday.
    assert delinquency_selectors.overdue_through(dt.date(2026, 1, 12)) == dt.date(2026, 1, 9)


def test_worked_example_2_third_installment_unpaid_is_15_days_late_on_25_03(
    group, finance_user, django_capture_on_commit_callbacks
):
    version = holder(group, 1)
    pay(bill(group, 1, django_capture_on_commit_callbacks)[1], DUE[1])
    pay(bill(group, 2, django_capture_on_commit_callbacks)[1], DUE[2])
    bill(group, 3, django_capture_on_commit_callbacks)

    delinquency.mark_delinquency(as_of=dt.date(2026, 3, 25))

    status = status_of(version)
    assert (status.oldest_due_date, status.days_late) == (dt.date(2026, 3, 10), 15)
    assert (status.overdue_installments, status.overdue_amount) == (1, D("1170.00"))


def test_running_the_same_day_again_changes_nothing_and_publishes_nothing(
    group, finance_user, django_capture_on_commit_callbacks
):
    holder(group, 1)
    holder(group, 2)
    bill(group, 1, django_capture_on_commit_callbacks)
    bill(group, 2, django_capture_on_commit_callbacks)
    first = delinquency.mark_delinquency(as_of=dt.date(2026, 2, 20))
    rows = list(DelinquencyStatus.objects.order_by("pk").values())

    again = delinquency.mark_delinquency(as_of=dt.date(2026, 2, 20))

    assert first.total("became_delinquent") == 2
    assert first.total("charges_overdue") == 4
    assert again.as_dict() | {"groups": 1} == {
        "as_of": "2026-02-20",
        "delinquent": 2,
        "charges_overdue": 0,
        "became_delinquent": 0,
        "increased": 0,
        "cleared": 0,
        "proposed": 0,
        "withdrawn": 0,
        "skipped": 0,
        "groups": 1,
    }
    assert list(DelinquencyStatus.objects.order_by("pk").values()) == rows
    assert len(events(BECAME)) == 2


def test_each_due_date_passing_unpaid_is_counted_and_published_once(
    group, finance_user, django_capture_on_commit_callbacks
):
    version = holder(group, 1)
    for month in (1, 2):
        bill(group, month, django_capture_on_commit_callbacks)
    delinquency.mark_delinquency(as_of=dt.date(2026, 1, 13))
    delinquency.mark_delinquency(as_of=dt.date(2026, 2, 9))

    delinquency.mark_delinquency(as_of=dt.date(2026, 2, 11))
    delinquency.mark_delinquency(as_of=dt.date(2026, 2, 12))

    status = status_of(version)
    assert (status.overdue_installments, status.consecutive_overdue) == (2, 2)
    assert (status.days_late, status.overdue_amount) == (31, D("2340.00"))
    assert len(events(BECAME)) == 1
    (increased,) = events(INCREASED)
    assert (increased["previous_overdue_installments"], increased["overdue_installments"]) == (
        1,
        2,
    )


def test_paying_the_arrears_clears_the_status_and_says_so_once(
    group, finance_user, django_capture_on_commit_callbacks
):
    version = holder(group, 1)
    charge = bill(group, 1, django_capture_on_commit_callbacks)[1]
    delinquency.mark_delinquency(as_of=dt.date(2026, 1, 15))
    charge.refresh_from_db()

    pay(charge, dt.date(2026, 1, 20))
    cleared = delinquency.mark_delinquency(as_of=dt.date(2026, 1, 21))
    delinquency.mark_delinquency(as_of=dt.date(2026, 1, 22))

    assert cleared.total("cleared") == 1
    assert status_of(version) is None
    charge.refresh_from_db()
    assert charge.status == "paid"
    (event,) = events(CLEARED)
    assert (event["quota_version_id"], event["as_of"]) == (version.pk, "2026-01-21")


def test_a_reversed_payment_makes_the_charge_overdue_and_the_quota_delinquent_again(
    group, finance_user, django_capture_on_commit_callbacks
):
    from apps.finance.services import payments

    version = holder(group, 1)
    charge = bill(group, 1, django_capture_on_commit_callbacks)[1]
    payment = pay(charge, DUE[1]).payment
    assert delinquency.mark_delinquency(as_of=dt.date(2026, 1, 20)).total("delinquent") == 0

    payments.reverse_payment(payment=payment, justification="Estorno do banco")
    delinquency.mark_delinquency(as_of=dt.date(2026, 1, 21))

    charge.refresh_from_db()
    assert charge.status == "overdue"
    assert status_of(version).days_late == 9


def test_paid_and_unpaid_due_dates_count_only_consecutive_runs(
    group, finance_user, django_capture_on_commit_callbacks
):
    version = holder(group, 1)
    bill(group, 1, django_capture_on_commit_callbacks)
    pay(bill(group, 2, django_capture_on_commit_callbacks)[1], DUE[2])
    bill(group, 3, django_capture_on_commit_callbacks)
    bill(group, 4, django_capture_on_commit_callbacks)

    delinquency.mark_delinquency(as_of=dt.date(2026, 4, 13))

    status = status_of(version)
    assert (status.overdue_installments, status.consecutive_overdue) == (3, 2)
    assert status.oldest_due_date == DUE[1]


def test_unbilled_installments_count_too_at_the_credit_value_in_force(group, finance_user):
    # No billing run: the installments are owed all the same (A1: fractions, not bills).
    version = holder(group, 1)

    delinquency.mark_delinquency(as_of=dt.date(2026, 3, 11))

    status = status_of(version)
    assert (status.overdue_installments, status.overdue_amount) == (3, D("3510.00"))


def test_an_awarded_holder_stays_delinquent(group, finance_user):
    version = holder(group, 1)
    quotas.award_quota(quota=version.quota, assembly_ref="AGO 12/01/2026")

    delinquency.mark_delinquency(as_of=dt.date(2026, 2, 11))

    assert status_of(version).overdue_installments == 2


def test_a_transferred_quota_s_arrears_follow_it_to_the_new_holder(group, finance_user):
    version = holder(group, 1, actor=finance_user)
    delinquency.mark_delinquency(as_of=dt.date(2026, 1, 20))
    buyer = register(actor=finance_user, name="Comprador")

    new = transfers.transfer_quota(actor=finance_user, version=version, to_member=buyer)
    delinquency.mark_delinquency(as_of=dt.date(2026, 1, 21))

    assert status_of(version) is None
    assert status_of(new).overdue_installments == 1
    assert events(CLEARED) == []
    assert [event["member_id"] for event in events(BECAME)] == [version.member_id, buyer.pk]


def test_a_cancelled_sale_owes_nothing(group, finance_user):
    from apps.finance.services import installments

    version = holder(group, 1)
    installments.cancel_schedule(quota_id=version.quota_id, version=1)

    assert delinquency.mark_delinquency(as_of=dt.date(2026, 3, 1)).total("delinquent") == 0


def test_the_command_marks_a_date_with_a_summary(group, finance_user, capsys):
    holder(group, 1)

    call_command("mark_delinquency", "--date", "13/01/2026", "--group", group.code)

    out = capsys.readouterr().out
    assert "Inadimplência em 13/01/2026: 1 grupo(s), 1 cota(s) inadimplente(s)" in out
    assert DelinquencyStatus.objects.count() == 1


def test_the_command_refuses_an_invalid_date_or_group(group):
    with pytest.raises(CommandError, match="Data inválida"):
        call_command("mark_delinquency", "--date", "31/02/2026")
    with pytest.raises(CommandError, match="Grupo desconhecido"):
        call_command("mark_delinquency", "--group", "NAO-EXISTE")
    assert DelinquencyStatus.objects.count() == 0


def test_the_daily_job_is_scheduled_in_the_evening_and_marks_today(
    group, finance_user, django_capture_on_commit_callbacks
):
    from apps.finance import tasks

    task = PeriodicTask.objects.get(name="finance.daily_delinquency")
    assert task.task == "apps.finance.tasks.mark_daily_delinquency"
    assert (task.crontab.hour, task.crontab.minute, task.enabled) == ("21", "0", True)
    holder(group, 1)

    result = tasks.mark_daily_delinquency()

    # Today (after 10/2026) every installment due since 12/01/2026 is overdue.
    assert result["delinquent"] == 1
    assert DelinquencyStatus.objects.get().overdue_installments >= 10


def test_a_group_another_run_is_marking_is_skipped_and_left_untouched(group):
    from consorcio.locks import critical_section

    version = holder(group, 1)

    with critical_section(f"delinquency:{group.pk}"):
        result = delinquency.mark_delinquency(as_of=dt.date(2026, 1, 20))

    assert result.total("skipped") == 1
    assert status_of(version) is None
    assert events(BECAME) == []
