"""Helpers of the assembly tests: a running group whose holders are billed and pay through the
finance services, money seeded in its common fund, and its March 2026 assembly walked through
the real services up to the point a test needs.

The group (worked example 1: R$100,000, 100 months, 15% fee, 2% reserve) held its first
assembly on 12/01/2026; installments fall due on assembly days (12/01, 10/02, 10/03…). The
assembly under test is Tuesday 10/03/2026, cut-off Monday 09/03, bids close 09/03 23:59.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal

from django.utils import timezone

from apps.draws.models import Assembly
from apps.draws.services import assemblies
from apps.finance.models import AccountKind, TransactionKind
from apps.finance.services import ledger
from apps.groups.models import Quota
from apps.groups.services import lifecycle, quotas
from tests.finance.billing_support import billing_group
from tests.finance.delinquency_support import DUE, bill, holder, pay, running_group

ASSEMBLY_DATE = dt.date(2026, 3, 10)
CUTOFF = dt.date(2026, 3, 9)
BIDDING = timezone.make_aware(dt.datetime(2026, 3, 2, 10, 0))  # bidding open, before the close
AFTER_CLOSE = timezone.make_aware(dt.datetime(2026, 3, 10, 0, 5))
WORKED_EXAMPLE_PRIZES = ("48602", "01927", "82187", "34246", "68744")  # DOMAIN.md §3.3
D = Decimal


def draws_group(actor, *, max_quotas: int = 12, **rules):
    """A running group of ``max_quotas`` quotas; ``rules`` override the group's rules."""
    return running_group(actor, max_quotas=max_quotas, rules=rules)


def fresh_group(actor, *, max_quotas: int = 12, **rules):
    """A group constituted at the assembly under test (10/03/2026): its first installment falls
    due that day, after the cut-off, so every holder sold before the cut-off is eligible with
    no bill paid (no billing run needed)."""
    group = billing_group(actor, max_quotas=max_quotas, rules=rules)
    return lifecycle.constitute_group(group=group, on_date=ASSEMBLY_DATE)


def eligible_holders(group, numbers: Iterable[int]) -> dict[int, object]:
    """Holders of a ``fresh_group`` sold 05/01/2026 (eligible at the cut-off), by number."""
    return {number: holder(group, number) for number in numbers}


def holders(
    group,
    captured,
    *,
    eligible: Iterable[int] = (),
    in_default: Iterable[int] = (),
    awarded: Iterable[int] = (),
) -> dict[int, object]:
    """Holders sold 05/01/2026: ``eligible`` and ``awarded`` pay January and February on time,
    ``in_default`` pays January only; ``awarded`` were contemplated at an earlier assembly.
    ``captured``: the django_capture_on_commit_callbacks fixture. Versions by number."""
    eligible, in_default, awarded = list(eligible), list(in_default), list(awarded)
    versions = {n: holder(group, n) for n in sorted(eligible + in_default + awarded)}
    if not versions:
        return versions
    charges = {month: bill(group, month, captured) for month in (1, 2)}
    for number in versions:
        pay(charges[1][number], DUE[1])
        if number not in in_default:
            pay(charges[2][number], DUE[2])
    for number in awarded:
        quotas.award_quota(
            quota=Quota.objects.get(group=group, number=number), assembly_ref="AGO 10/02/2026"
        )
    return versions


def seed_fund(group, amount: Decimal | str, *, reserve: Decimal | str = "0", key: str = "seed"):
    """Money in the group's common fund (an opening balance before the cut-off)."""
    common, reserve = D(amount), D(reserve)
    lines = [ledger.debit(AccountKind.BANK, common + reserve)]
    lines.append(ledger.credit(AccountKind.COMMON_FUND, common))
    if reserve:
        lines.append(ledger.credit(AccountKind.RESERVE_FUND, reserve))
    return ledger.post_transaction(
        group_id=group.pk,
        kind=TransactionKind.OPENING_BALANCE,
        idempotency_key=key,
        effective_date=dt.date(2026, 1, 5),
        lines=lines,
    )


def march_assembly(group) -> Assembly:
    """The group's assembly of 10/03/2026, generated from its calendar."""
    (assembly,) = assemblies.generate_assemblies(group=group, start=ASSEMBLY_DATE, count=1)
    return assembly


def open_assembly(group) -> Assembly:
    return assemblies.open_bidding(assembly=march_assembly(group), now=BIDDING)


def close(assembly: Assembly) -> Assembly:
    return assemblies.close_bidding(assembly=assembly, now=AFTER_CLOSE)


def record_prizes(
    assembly: Assembly,
    prizes=WORKED_EXAMPLE_PRIZES,
    *,
    concurso: int = 5000,
    drawn_on: dt.date = dt.date(2026, 3, 7),
    actor=None,
    confirm_unusual: bool = True,
) -> Assembly:
    """Record the operator's extraction; random prizes may repeat or be 00000 (confirmed)."""
    return assemblies.record_extraction(
        assembly=assembly,
        concurso=concurso,
        drawn_on=drawn_on,
        prizes=list(prizes),
        actor=actor,
        today=drawn_on + dt.timedelta(days=10),
        confirm_unusual=confirm_unusual,
    )


def ready_assembly(group, prizes=WORKED_EXAMPLE_PRIZES) -> Assembly:
    """Bidding opened and closed, the extraction recorded: ready to compute."""
    return record_prizes(close(open_assembly(group)), prizes)
