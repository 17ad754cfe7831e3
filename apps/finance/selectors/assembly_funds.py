"""The money an assembly may award (DOMAIN.md A7, Part B §3.2), read from the group ledger.

``assembly_funds(group, assembly_date)`` counts what the ledger held at the assembly's
**cut-off** (A5, by default the day before): every posting with an effective date on or before
it, so installments credited by then count for this assembly and later ones for the next
(the eligibility's rule), and the awards and refunds this assembly posts (dated the assembly
day) never change its own figure, whenever it is read again.

- ``common_fund``: the common fund's balance at the cut-off: carried over from the previous
  assembly's cut-off, plus the common-fund part of installments, bids applied and yield since,
  minus awards and refunds posted since (§3.2's first three lines).
- ``late_charges``: the group's share of late charges (A4) held in its own account: money of
  the common fund (§2.1) the award posting draws on after the fund itself.
- ``reserve_usable``: the reserve fund only for the first permitted use of §2.1 (Res. 285
  art. 22 I): covering the shortfall of the common fund for the **planned draws** of this
  assembly (``draws_per_assembly x C``), never more than the reserve holds. It is part of
  ``available``, but only the planned draws may use it: a caller whose draw stage awards
  nothing subtracts it before the later stages, and the award of a planned draw is posted
  with ``allow_reserve=True`` (``services.awards.post_award``).
- ``available = common_fund + late_charges + reserve_usable``; ``lines`` label each part in
  Portuguese for the minutes and sum exactly to it.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

from django.db.models import Sum

from apps.finance.models import ACCOUNT_NORMAL_SIGN, AccountKind, LedgerEntry, TransactionKind
from apps.finance.selectors import ledger as ledger_selectors
from apps.finance.selectors.billing import credit_value_in_force
from apps.finance.selectors.delinquency import rules_in_force
from apps.groups.services import calendar
from consorcio.money import ZERO

if TYPE_CHECKING:
    from apps.groups.models import ConsortiumGroup

__all__ = ["AssemblyFunds", "assembly_funds", "previous_cutoff"]

K = AccountKind
T = TransactionKind
_ACCOUNTS = (K.COMMON_FUND, K.LATE_CHARGES_GROUP, K.RESERVE_FUND)
# How the common fund's movements since the previous cut-off are labelled in the minutes.
_MOVEMENTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Parcelas recebidas (fundo comum)", (T.INSTALLMENT_PAYMENT, T.DIFFERENCE)),
    ("Lances aplicados (fundo comum)", (T.BID_APPLICATION,)),
    ("Rendimentos de aplicação", (T.YIELD,)),
    ("Contemplações", (T.CREDIT_AWARD,)),
    ("Restituições a cotas excluídas", (T.REFUND,)),
)
_OTHER_MOVEMENTS = "Outros movimentos (estornos e ajustes)"


@dataclass(frozen=True)
class AssemblyFunds:
    """What the assembly may award, in Reais, with its labelled breakdown (A7, §3.2)."""

    group_id: int
    assembly_date: dt.date
    cutoff: dt.date
    credit_value: Decimal
    common_fund: Decimal
    reserve_usable: Decimal
    available: Decimal
    lines: tuple[tuple[str, Decimal], ...]
    late_charges: Decimal = ZERO
    reserve_balance: Decimal = ZERO
    previous_cutoff: dt.date | None = field(default=None)


def previous_cutoff(group: ConsortiumGroup, assembly_date: dt.date) -> dt.date:
    """The cut-off of the group's assembly of the month before ``assembly_date``'s."""
    rules = rules_in_force(group, assembly_date)
    if rules is None:
        raise ValueError(f"group {group.code} has no rules")
    year, month = divmod(assembly_date.year * 12 + assembly_date.month - 2, 12)
    previous = calendar.assembly_date_in_month(rules, year, month + 1)
    return calendar.eligibility_cutoff(rules, min(previous, assembly_date))


def _movements(
    group_id: int, since: dt.date, cutoff: dt.date
) -> tuple[dict[str, Decimal], dict[tuple[str, str], Decimal]]:
    """Normal-side sums after ``cutoff`` per account, and within ``(since, cutoff]`` per
    (account, transaction kind)."""
    after: dict[str, Decimal] = defaultdict(lambda: ZERO)
    within: dict[tuple[str, str], Decimal] = defaultdict(lambda: ZERO)
    rows = (
        LedgerEntry.objects.filter(
            transaction__group_id=group_id,
            transaction__effective_date__gt=since,
            account__kind__in=_ACCOUNTS,
        )
        .values_list("account__kind", "transaction__kind", "transaction__effective_date")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    for account, kind, day, total in rows:
        normal = ACCOUNT_NORMAL_SIGN[account] * total
        if day > cutoff:
            after[account] += normal
        else:
            within[(account, kind)] += normal
    return after, within


def _common_fund_lines(
    carried: Decimal, within: dict[tuple[str, str], Decimal], since: dt.date
) -> list[tuple[str, Decimal]]:
    lines = [(f"Saldo do fundo comum transportado (até {since:%d/%m/%Y})", carried)]
    labelled: set[str] = set()
    for label, kinds in _MOVEMENTS:
        labelled.update(kinds)
        amount = sum((within.get((K.COMMON_FUND, kind), ZERO) for kind in kinds), ZERO)
        if amount:
            lines.append((label, amount))
    other = sum(
        (
            v
            for (account, kind), v in within.items()
            if account == K.COMMON_FUND and kind not in labelled
        ),
        ZERO,
    )
    if other:
        lines.append((_OTHER_MOVEMENTS, other))
    return lines


def assembly_funds(group: ConsortiumGroup, assembly_date: dt.date) -> AssemblyFunds:
    """The money available for the awards of the group's assembly on ``assembly_date``."""
    rules = rules_in_force(group, assembly_date)
    if rules is None:
        raise ValueError(f"group {group.code} has no rules")
    cutoff = calendar.eligibility_cutoff(rules, assembly_date)
    since = min(previous_cutoff(group, assembly_date), cutoff)
    credit_value = credit_value_in_force(group, assembly_date)
    now = ledger_selectors.account_balances(group_id=group.pk)
    after, within = _movements(group.pk, since, cutoff)
    at_cutoff = {account: now[account] - after[account] for account in _ACCOUNTS}
    common_fund = at_cutoff[K.COMMON_FUND]
    late = at_cutoff[K.LATE_CHARGES_GROUP]
    reserve = at_cutoff[K.RESERVE_FUND]
    # §2.1 (Res. 285 art. 22 I): the reserve covers only the planned draws' shortfall.
    shortfall = max(rules.draws_per_assembly * credit_value - common_fund - late, ZERO)
    reserve_usable = max(min(reserve, shortfall), ZERO)
    carried = common_fund - sum(
        (v for (account, _), v in within.items() if account == K.COMMON_FUND), ZERO
    )
    lines = _common_fund_lines(carried, within, since)
    if late:
        lines.append(("Encargos de atraso (parte do grupo)", late))
    if reserve_usable:
        lines.append(("Fundo de reserva para os sorteios previstos", reserve_usable))
    return AssemblyFunds(
        group_id=group.pk,
        assembly_date=assembly_date,
        cutoff=cutoff,
        credit_value=credit_value,
        common_fund=common_fund,
        reserve_usable=reserve_usable,
        available=common_fund + late + reserve_usable,
        lines=tuple(lines),
        late_charges=late,
        reserve_balance=reserve,
        previous_cutoff=since,
    )
