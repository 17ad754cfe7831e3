"""An assembly's results for a 10,000-quota group with 10,000 bids (ISSUE 12 §9: aim < 1 s).

Set-up (not timed): a running group (worked example 1's plan: R$100,000, 100 months, 15%, 2%)
of 10,000 quotas created through the groups service, each with an active holder sold on
05/01/2026 and its installment schedule (the first built by the finance service, the others
copies of it: 100 installments each, a million rows), the installments due by the cut-off
paid; a month of common-fund money in the fund (R$1,000 a quota: R$10,000,000, about 300
awards with these bids); the March 2026 assembly generated from the calendar, bidding
opened, one sealed free bid per quota (1% to 80% of the credit, seeded, many ties), bidding
closed and the Loteria Federal prizes recorded, all through the draws services except the
bids, written in one batch with their canonical forms and receipts as ``place_bid`` writes
them (placing 10,000 bids one by one is not what is measured).

Timed: ``apps.draws.services.results.compute_results`` — under the assembly's lock and row
lock: eligibility of every quota at the cut-off, the money from the ledger, the common-fund
part of every bid, the draw with its search, the ranking of the bids with the neighbour
search tie-break, the award count, the stored inputs and outcome, the awards (ledger postings,
bid charges) and every bid's outcome. The minutes PDF is not part of it. Beside it, the two
read-only phases alone (``gather_inputs``; ``recompute_from_inputs``, the pure draw, ranking
and count) and the rest (writing the result, the awards and the bids' outcomes).

Everything runs in one transaction rolled back at the end (the ledger's immutability triggers
forbid deleting its rows), so nothing is left behind and no outbox message leaves the process.
``python -m bench --only assembly`` or ``python -m bench.bench_assembly [--quotas N]
[--bids N] [--profile]``.
"""

from __future__ import annotations

import argparse
import copy
import cProfile
import datetime as dt
import os
import pstats
import random
import time
import uuid
from decimal import Decimal
from typing import Any

from bench import BenchOptions, Measurement, ratio, setup_django

QUOTAS = 10_000
BIDS = 10_000
# A month of the common fund's part of every installment (1% of R$100,000 per quota): what
# a group of this size has for awards each month (about one credit per hundred quotas).
FUND_PER_QUOTA = Decimal("1000.00")
AIM_SECONDS = 1.0
SOLD_ON = dt.date(2026, 1, 5)
FIRST_ASSEMBLY = dt.date(2026, 1, 12)
ASSEMBLY_MONTH = dt.date(2026, 3, 1)
PRIZES = ("48602", "01927", "82187", "34246", "68744")  # DOMAIN.md §3.3, worked example 3


class _Rollback(Exception):
    """Raised to roll the bench's transaction back once the figures are known."""


def _group(quotas: int) -> Any:
    from apps.groups.services import lifecycle, plans
    from apps.groups.services import quotas as quota_services

    group = plans.create_group(
        code=f"A{os.getpid() % 100000:05d}",
        name="Benchmark de assembleia",
        segment="real_estate",
        reference_credit_value=Decimal("100000.00"),
        term_months=100,
        max_quotas=quotas,
        rules={
            "contract_version": "bench",
            "adjustment_index": "incc",
            "admin_fee_total": Decimal("0.15"),
            "reserve_fund": Decimal("0.02"),
        },
    )
    quota_services.ensure_quotas(group)
    return lifecycle.constitute_group(group=group, on_date=FIRST_ASSEMBLY)


def _holders(group: Any, cutoff: dt.date) -> None:
    """Active holders of every quota, the first schedule built by the finance service and
    copied to the others (rows and installments), installments due by the cut-off paid."""
    from django.db import connection
    from django.utils import timezone

    from apps.finance.models import Installment, InstallmentSchedule
    from apps.finance.services import installments
    from apps.groups.models import Quota, QuotaVersion

    moment = timezone.make_aware(dt.datetime.combine(SOLD_ON, dt.time(10)))
    quotas = list(Quota.objects.filter(group=group).order_by("number"))
    versions = QuotaVersion.objects.bulk_create(
        QuotaVersion(
            quota=quota, version=1, status="active", sold_at=moment, contract_accepted_at=moment
        )
        for quota in quotas
    )
    for quota, version in zip(quotas, versions, strict=True):
        quota.current_version = version
    Quota.objects.bulk_update(quotas, ["current_version"], batch_size=2000)
    template = installments.create_schedule(group_id=group.pk, quota_id=quotas[0].pk, version=1)
    schedules = []
    for quota, version in zip(quotas[1:], versions[1:], strict=True):
        schedule = copy.copy(template)
        schedule.pk = None
        schedule._state.adding = True
        schedule.quota_id, schedule.quota_version_id = quota.pk, version.pk
        schedules.append(schedule)
    InstallmentSchedule.objects.bulk_create(schedules, batch_size=2000)
    table = Installment._meta.db_table
    columns = [
        field.column
        for field in Installment._meta.concrete_fields
        if not field.primary_key and field.column != "schedule_id"
    ]
    listed = ", ".join(columns)
    picked = ", ".join(f"i.{column}" for column in columns)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (schedule_id, {listed}) "
            f"SELECT s.id, {picked} FROM {InstallmentSchedule._meta.db_table} AS s "
            f"CROSS JOIN {table} AS i WHERE s.group_id = %s AND s.id <> %s "
            "AND i.schedule_id = %s",
            [group.pk, template.pk, template.pk],
        )
        cursor.execute(
            f"UPDATE {table} SET status = 'paid' WHERE due_date <= %s AND schedule_id IN "
            f"(SELECT id FROM {InstallmentSchedule._meta.db_table} WHERE group_id = %s)",
            [cutoff, group.pk],
        )
        for name in (table, InstallmentSchedule._meta.db_table, "groups_quota"):
            cursor.execute(f"ANALYZE {name}")


def _fund(group: Any, quotas: int) -> None:
    from apps.finance.models import AccountKind, TransactionKind
    from apps.finance.services import ledger

    ledger.post_transaction(
        group_id=group.pk,
        kind=TransactionKind.OPENING_BALANCE,
        idempotency_key=f"bench-assembly-{uuid.uuid4().hex}",
        effective_date=SOLD_ON,
        lines=[
            ledger.debit(AccountKind.BANK, FUND_PER_QUOTA * quotas),
            ledger.credit(AccountKind.COMMON_FUND, FUND_PER_QUOTA * quotas),
        ],
    )


def _bids(assembly: Any, group: Any, count: int, placed_at: dt.datetime) -> int:
    """One sealed free bid per quota (the first ``count``), as ``place_bid`` writes them."""
    from apps.draws.models import Bid, BidExpression, BidKind
    from apps.draws.services import bids as bid_services
    from apps.groups.models import Quota

    rng = random.Random(20260310)
    rows = []
    for quota in Quota.objects.filter(group=group).order_by("number")[:count]:
        fraction = Decimal(rng.randint(100, 8000)) / 10000  # 1.00% to 80.00%: many ties
        amounts = {
            "expressed_as": BidExpression.PERCENT,
            "installments": None,
            "installment_fraction": None,
            "fraction": fraction,
            "embedded_fraction": Decimal("0"),
            "cash_fraction": fraction,
        }
        canonical = bid_services.bid_canonical_form(
            assembly=assembly,
            quota=quota,
            version=1,
            kind=BidKind.FREE,
            amounts=amounts,
            placed_at=placed_at,
            nonce=uuid.uuid4().hex,
        )
        rows.append(
            Bid(
                assembly=assembly,
                quota=quota,
                quota_version_id=quota.current_version_id,
                kind=BidKind.FREE,
                expressed_as=BidExpression.PERCENT,
                fraction=fraction,
                embedded_fraction=Decimal("0"),
                cash_fraction=fraction,
                canonical=canonical,
                receipt=bid_services.receipt_of(canonical),
                created_at=placed_at,
            )
        )
    Bid.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


def _ready_assembly(quotas: int, bids: int) -> tuple[Any, int]:
    """The March 2026 assembly of a new group, bidding closed, prizes recorded."""
    from django.db import connection
    from django.utils import timezone

    from apps.draws.services import assemblies
    from apps.groups.services import calendar

    group = _group(quotas)
    rules = group.current_rules
    assert rules is not None
    day = calendar.assembly_date_in_month(rules, ASSEMBLY_MONTH.year, ASSEMBLY_MONTH.month)
    cutoff = calendar.eligibility_cutoff(rules, day)
    _holders(group, cutoff)
    _fund(group, quotas)
    (assembly,) = assemblies.generate_assemblies(group=group, start=ASSEMBLY_MONTH, count=1)
    opened = timezone.make_aware(dt.datetime.combine(cutoff - dt.timedelta(days=5), dt.time(10)))
    assembly = assemblies.open_bidding(assembly=assembly, now=opened)
    placed = _bids(assembly, group, bids, opened)
    closed = timezone.make_aware(dt.datetime.combine(day, dt.time(0, 5)))
    assembly = assemblies.close_bidding(assembly=assembly, now=closed)
    assembly = assemblies.record_extraction(
        assembly=assembly,
        concurso=5000,
        drawn_on=day - dt.timedelta(days=3),
        prizes=list(PRIZES),
        actor=None,
        confirm_unusual=True,
        today=day,
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE draws_bid")
    return assembly, placed


def measure(quotas: int, bids: int, *, profile: bool = False) -> dict[str, Any]:
    """Set up, time ``compute_results`` once, roll everything back; the figures."""
    from django.db import transaction

    from apps.draws.services import results

    figures: dict[str, Any] = {}
    try:
        with transaction.atomic():
            assembly, placed = _ready_assembly(quotas, bids)
            # The two read-only phases alone (compute_results does them again, timed below).
            started = time.perf_counter()
            inputs = results.gather_inputs(assembly)
            figures["inputs_seconds"] = time.perf_counter() - started
            started = time.perf_counter()
            results.recompute_from_inputs(inputs)
            figures["outcome_seconds"] = time.perf_counter() - started
            profiler = cProfile.Profile() if profile else None
            if profiler is not None:
                profiler.enable()
            started = time.perf_counter()
            result = results.compute_results(assembly=assembly, ttl=60.0)
            figures["seconds"] = time.perf_counter() - started
            if profiler is not None:
                profiler.disable()
                pstats.Stats(profiler).sort_stats("cumulative").print_stats(40)
            figures["bids"] = placed
            figures["awards"] = len(result.outcome["awards"])
            figures["eligible"] = sum(
                1 for row in result.inputs["eligibility"] if row["standing"] == "eligible"
            )
            raise _Rollback
    except _Rollback:
        pass
    return figures


def run(options: BenchOptions | None = None, *, quotas: int = QUOTAS, bids: int = BIDS):
    """Compute one assembly's results for ``quotas`` quotas and ``bids`` bids; the figures."""
    del options  # the sizes are the issue's; see main() to change them
    setup_django()
    figures = measure(quotas, min(bids, quotas))
    return [
        Measurement("assembly_quotas", quotas, "quotas"),
        Measurement("assembly_bids", figures["bids"], "bids"),
        Measurement("assembly_eligible_quotas", figures["eligible"], "quotas"),
        Measurement("assembly_awards", figures["awards"], "awards"),
        Measurement("assembly_compute_seconds", figures["seconds"], "s", 3),
        Measurement("assembly_inputs_seconds", figures["inputs_seconds"], "s", 3),
        Measurement("assembly_outcome_seconds", figures["outcome_seconds"], "s", 3),
        Measurement(
            "assembly_writes_seconds",
            figures["seconds"] - figures["inputs_seconds"] - figures["outcome_seconds"],
            "s",
            3,
        ),
        Measurement("assembly_compute_aim", AIM_SECONDS, "s", 3),
        ratio("assembly_compute_vs_aim", figures["seconds"], AIM_SECONDS),
    ]


def main() -> None:
    """``python -m bench.bench_assembly [--quotas N] [--bids N] [--profile]``."""
    parser = argparse.ArgumentParser(description="Benchmark da apuração de uma assembleia.")
    parser.add_argument("--quotas", type=int, default=QUOTAS, help="cotas do grupo")
    parser.add_argument("--bids", type=int, default=BIDS, help="lances (no máximo um por cota)")
    parser.add_argument(
        "--profile", action="store_true", help="imprime o perfil (cProfile) da apuração"
    )
    args = parser.parse_args()
    if args.profile:
        setup_django()
        print(measure(args.quotas, min(args.bids, args.quotas), profile=True), flush=True)
        return
    for measurement in run(quotas=args.quotas, bids=args.bids):
        print(measurement.line(), flush=True)


if __name__ == "__main__":
    main()
