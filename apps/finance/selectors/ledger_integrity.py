"""Re-verify every invariant of the ledger from its rows (``manage.py check_ledger``).

The database already refuses what it can (deferred balance trigger, immutability triggers,
the fund CHECK); this module re-derives everything from the entries, so a disabled trigger, a
restore or a manual fix that broke the books is found and named:

1. every transaction has at least two entries summing to exactly zero;
2. every entry is on an account of its transaction's group;
3. every account's summary balance equals ``normal_sign * sum(entries)``;
4. every per-quota summary row equals the sum of that quota's entries on that account
   (Reais and fraction), and no quota's entries lack a summary row;
5. no group fund (common, reserve) is negative;
6. a reversal mirrors the transaction it reverses, line by line;
7. each quota's paid fractions equal its applied payments: per quota version and installment
   component, the fractions the payments' ledger transactions posted equal the fractions their
   ``Payment`` rows record (reversals included, with their negative fractions).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db import connection

from apps.finance.models import ACCOUNT_NORMAL_SIGN, NON_NEGATIVE_KINDS, AccountKind

__all__ = ["LEDGER_CHECKS", "LedgerViolation", "find_ledger_violations"]


@dataclass(frozen=True, slots=True)
class LedgerViolation:
    """One broken invariant, named for the operator (``code`` stable, ``message`` Portuguese)."""

    code: str
    message: str


def _sign_case(column: str) -> str:
    """SQL ``CASE`` giving each account kind's normal sign (built from the model's table)."""
    whens = " ".join(f"WHEN '{kind}' THEN {sign}" for kind, sign in ACCOUNT_NORMAL_SIGN.items())
    return f"(CASE {column} {whens} END)"


def _group_filter(alias: str, group_id: int | None) -> tuple[str, list[Any]]:
    if group_id is None:
        return "", []
    return f" AND {alias}.group_id = %s", [group_id]


def _rows(sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return list(cursor.fetchall())


def _unbalanced_transactions(group_id: int | None) -> Iterator[LedgerViolation]:
    where, params = _group_filter("t", group_id)
    sql = f"""
        SELECT t.id, t.group_id, count(e.id), coalesce(sum(e.amount), 0)
          FROM finance_ledgertransaction t
          LEFT JOIN finance_ledgerentry e ON e.transaction_id = t.id
         WHERE true {where}
         GROUP BY t.id HAVING count(e.id) < 2 OR coalesce(sum(e.amount), 0) <> 0
         ORDER BY t.id"""  # noqa: S608 (constants only)
    for txn_id, group, count, total in _rows(sql, params):
        yield LedgerViolation(
            "unbalanced_transaction",
            f"Lançamento #{txn_id} (grupo {group}): {count} partidas somando {total}.",
        )


def _entries_on_foreign_accounts(group_id: int | None) -> Iterator[LedgerViolation]:
    where, params = _group_filter("t", group_id)
    sql = f"""
        SELECT e.id, t.id, t.group_id, a.group_id
          FROM finance_ledgerentry e
          JOIN finance_ledgertransaction t ON t.id = e.transaction_id
          JOIN finance_ledgeraccount a ON a.id = e.account_id
         WHERE a.group_id <> t.group_id {where}
         ORDER BY e.id"""  # noqa: S608 (constants only)
    for entry_id, txn_id, group, account_group in _rows(sql, params):
        yield LedgerViolation(
            "entry_on_foreign_account",
            f"Partida #{entry_id} do lançamento #{txn_id} (grupo {group}) está em conta do "
            f"grupo {account_group}.",
        )


def _account_summaries(group_id: int | None) -> Iterator[LedgerViolation]:
    where, params = _group_filter("a", group_id)
    sql = f"""
        SELECT a.id, a.group_id, a.kind, b.balance,
               {_sign_case("a.kind")} * coalesce(s.total, 0) AS derived
          FROM finance_ledgeraccount a
          LEFT JOIN finance_accountbalance b ON b.account_id = a.id
          LEFT JOIN (SELECT account_id, sum(amount) AS total FROM finance_ledgerentry
                      GROUP BY account_id) s ON s.account_id = a.id
         WHERE (b.balance IS NULL OR b.balance <> {_sign_case("a.kind")} * coalesce(s.total, 0)
                OR b.kind <> a.kind) {where}
         ORDER BY a.id"""  # noqa: S608 (constants only)
    for account_id, group, kind, summary, derived in _rows(sql, params):
        yield LedgerViolation(
            "balance_mismatch",
            f"Conta #{account_id} ({kind}, grupo {group}): saldo resumido {summary}, "
            f"lançamentos somam {derived}.",
        )


def _quota_summaries(group_id: int | None) -> Iterator[LedgerViolation]:
    where, params = _group_filter("a", group_id)
    sql = f"""
        WITH derived AS (
            SELECT e.account_id, e.quota_version_id,
                   sum(e.amount) AS amount, coalesce(sum(e.fraction), 0) AS fraction
              FROM finance_ledgerentry e
             WHERE e.quota_version_id IS NOT NULL
             GROUP BY e.account_id, e.quota_version_id
        )
        SELECT coalesce(q.account_id, d.account_id), coalesce(q.quota_version_id,
               d.quota_version_id), a.kind, a.group_id, q.amount, q.fraction,
               {_sign_case("a.kind")} * d.amount, {_sign_case("a.kind")} * d.fraction
          FROM finance_quotaledgerbalance q
          FULL OUTER JOIN derived d
            ON d.account_id = q.account_id AND d.quota_version_id = q.quota_version_id
          JOIN finance_ledgeraccount a ON a.id = coalesce(q.account_id, d.account_id)
         WHERE (q.amount IS DISTINCT FROM {_sign_case("a.kind")} * coalesce(d.amount, 0)
                OR q.fraction IS DISTINCT FROM {_sign_case("a.kind")} * coalesce(d.fraction, 0))
               {where}
         ORDER BY 1, 2"""  # noqa: S608 (constants only)
    for account_id, version_id, kind, group, amount, fraction, d_amount, d_fraction in _rows(
        sql, params
    ):
        yield LedgerViolation(
            "quota_balance_mismatch",
            f"Cota (versão #{version_id}) na conta #{account_id} ({kind}, grupo {group}): "
            f"resumo {amount} / fração {fraction}, lançamentos {d_amount or 0} / fração "
            f"{d_fraction or 0}.",
        )


def _negative_funds(group_id: int | None) -> Iterator[LedgerViolation]:
    where, params = _group_filter("a", group_id)
    sql = f"""
        SELECT a.id, a.group_id, a.kind, {_sign_case("a.kind")} * sum(e.amount)
          FROM finance_ledgeraccount a JOIN finance_ledgerentry e ON e.account_id = a.id
         WHERE a.kind = ANY(%s) {where}
         GROUP BY a.id HAVING {_sign_case("a.kind")} * sum(e.amount) < 0
         ORDER BY a.id"""  # noqa: S608 (constants only)
    for account_id, group, kind, balance in _rows(sql, [list(NON_NEGATIVE_KINDS), *params]):
        yield LedgerViolation(
            "negative_fund",
            f"Conta #{account_id} ({kind}, grupo {group}) está negativa: {balance}.",
        )


def _reversals_mirror_originals(group_id: int | None) -> Iterator[LedgerViolation]:
    where, params = _group_filter("r", group_id)
    sql = f"""
        WITH lines AS (
            SELECT r.id AS reversal_id, e.account_id, e.quota_version_id,
                   sum(e.amount) AS amount, coalesce(sum(e.fraction), 0) AS fraction
              FROM finance_ledgertransaction r
              JOIN finance_ledgerentry e
                ON e.transaction_id = r.id OR e.transaction_id = r.reversal_of_id
             WHERE r.reversal_of_id IS NOT NULL {where}
             GROUP BY r.id, e.account_id, e.quota_version_id
        )
        SELECT DISTINCT reversal_id FROM lines WHERE amount <> 0 OR fraction <> 0
         ORDER BY reversal_id"""  # noqa: S608 (constants only)
    for (reversal_id,) in _rows(sql, params):
        yield LedgerViolation(
            "reversal_mismatch",
            f"O estorno #{reversal_id} não espelha o lançamento que estorna.",
        )


# A payment's installment components: its fraction column and the account it is posted to.
_PAID_COMPONENTS: tuple[tuple[str, str], ...] = (
    ("fraction_common_fund", AccountKind.COMMON_FUND),
    ("fraction_reserve_fund", AccountKind.RESERVE_FUND),
    ("fraction_admin_fee", AccountKind.ADMINISTRATION_FEE),
    ("fraction_insurance", AccountKind.INSURANCE_PAYABLE),
)


def _paid_fractions_match_applied_payments(group_id: int | None) -> Iterator[LedgerViolation]:
    """Each quota version's paid fractions per component, as the ledger transactions of its
    payments posted them, equal the fractions its ``Payment`` rows record (the allocation
    statements show). Fractions posted by other flows (bid applications, refunds) have no
    payment row, and a paid bid's fractions are posted by its bid application, not by the
    payment's own transaction (money into bids received): neither is part of this comparison
    (the quota summaries check covers them)."""
    where, params = _group_filter("p", group_id)
    kinds = [kind for _, kind in _PAID_COMPONENTS]
    values = ", ".join(f"('{kind}', p.{column})" for column, kind in _PAID_COMPONENTS)
    sql = f"""
        WITH posted AS (
            SELECT e.quota_version_id, a.kind,
                   sum({_sign_case("a.kind")} * e.fraction) AS fraction
              FROM finance_payment p
              JOIN finance_charge c ON c.id = p.charge_id AND c.kind <> 'bid'
              JOIN finance_ledgerentry e ON e.transaction_id = p.ledger_transaction_id
              JOIN finance_ledgeraccount a ON a.id = e.account_id
             WHERE a.kind = ANY(%s) AND e.fraction IS NOT NULL {where}
             GROUP BY 1, 2
        ), recorded AS (
            SELECT p.quota_version_id, c.kind, sum(c.fraction) AS fraction
              FROM finance_payment p
              JOIN finance_charge b ON b.id = p.charge_id AND b.kind <> 'bid'
             CROSS JOIN LATERAL (VALUES {values}) AS c(kind, fraction)
             WHERE TRUE {where}
             GROUP BY 1, 2
        )
        SELECT coalesce(r.quota_version_id, d.quota_version_id), coalesce(r.kind, d.kind),
               coalesce(r.fraction, 0), coalesce(d.fraction, 0)
          FROM recorded r
          FULL OUTER JOIN posted d
            ON d.quota_version_id = r.quota_version_id AND d.kind = r.kind
         WHERE coalesce(r.fraction, 0) <> coalesce(d.fraction, 0)
         ORDER BY 1, 2"""  # noqa: S608 (constants only)
    for version_id, kind, recorded, posted in _rows(sql, [kinds, *params, *params]):
        yield LedgerViolation(
            "paid_fraction_mismatch",
            f"Cota (versão #{version_id}), componente {kind}: os pagamentos registram fração "
            f"{recorded}, os lançamentos deles {posted}.",
        )


# Each check, in the order the report lists them; add a check by appending here.
LEDGER_CHECKS: tuple[Callable[[int | None], Iterator[LedgerViolation]], ...] = (
    _unbalanced_transactions,
    _entries_on_foreign_accounts,
    _account_summaries,
    _quota_summaries,
    _negative_funds,
    _reversals_mirror_originals,
    _paid_fractions_match_applied_payments,
)


def find_ledger_violations(*, group_id: int | None = None) -> list[LedgerViolation]:
    """Every broken ledger invariant (of one group, or all), in check order; empty if sound."""
    return [violation for check in LEDGER_CHECKS for violation in check(group_id)]
