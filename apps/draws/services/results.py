"""Computing and publishing an assembly's results (issue 12 items 2-5; A5-A8, A10).

``compute_results`` runs once per assembly, inside ``critical_section("assembly:<group id>")``
AND a row lock on the assembly (the lock saves wasted work; the row lock, the one-result
unique constraint and the one-live-award partial index make a second result impossible).
A lease lost before the end rolls everything back (``LockLost``), so a paused or cut-off
holder leaves no partial result and the assembly can be computed again.

Inside: ``gather_inputs`` reads everything the computation depends on (eligibility at the
cut-off, excluded versions, the money for awards from finance, the refunds of the excluded
versions drawn, the live bids with their common-fund parts, the prizes, the rules) into one
JSON document; ``result_outcome.recompute_from_inputs`` derives the outcome from it alone; both
are stored. Then the awards are made:

- draw → confirmed; the quota version is marked awarded (groups) and the credit is posted
  (finance ``post_award``: common fund → credit payable at this assembly's credit value, A3);
- excluded-quota refund → confirmed; finance ``post_refund``;
- bid → pending payment with its deadline (the group's business days after the assembly) and
  a finance bid charge for its cash part; a bid wholly embedded needs no payment and is
  confirmed at once (embedded part applied, award posted). The other eligible bids are
  reserves, in rank order.

Later changes (a lapsed bid passed to a reserve, a confirmation) are ``ResultEvent``s on the
results (``services.awards``), never a recomputation.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING, Any, ClassVar

from django.db import connection, transaction
from django.utils import timezone

from apps.draws.events import AssemblyResultsComputed, AssemblyResultsPublished
from apps.draws.lock_objects import lock_assembly
from apps.draws.models import (
    Assembly,
    AssemblyResult,
    AssemblyState,
    Award,
    AwardKind,
    AwardState,
    Bid,
    BidStatus,
)
from apps.draws.services import awards as award_services
from apps.draws.services.assemblies import (
    AssemblyInvalidTransition,
    assembly_rules,
    current_extraction,
    draw_standings,
    excluded_versions,
    refunded_version_ids,
    transition,
)
from apps.draws.services.result_outcome import (
    INPUTS_FORMAT,
    excluded_draw_phase,
    key_of,
    recompute_from_inputs,
)
from apps.finance.selectors import bids as finance_bids
from apps.finance.selectors.assembly_funds import assembly_funds
from apps.finance.selectors.eligibility import excluded_quotas_for_draw
from apps.finance.selectors.refunds import refund_quote
from consorcio.audit import record_batch_audit
from consorcio.errors import DomainError
from consorcio.locks import critical_section
from consorcio.outbox import publish

if TYPE_CHECKING:
    from apps.accounts.models import User

__all__ = [
    "ResultsAlreadyComputed",
    "ResultsNotComputed",
    "compute_results",
    "gather_inputs",
    "inputs_digest",
    "publish_results",
    "recompute_from_inputs",
    "verify_result",
]

Progress = Callable[[str], None]


class ResultsAlreadyComputed(DomainError):
    code: ClassVar[str] = "results_already_computed"
    status: ClassVar[int] = 409
    title: ClassVar[str] = "Resultado já apurado"
    default_detail = "O resultado desta assembleia já foi apurado; ele não é apurado de novo."


class ResultsNotComputed(DomainError):
    code: ClassVar[str] = "results_not_computed"
    status: ClassVar[int] = 409
    title: ClassVar[str] = "Resultado não apurado"
    default_detail = "Apure o resultado da assembleia antes de publicá-lo."


def inputs_digest(inputs: dict[str, Any]) -> str:
    """SHA-256 of the inputs' canonical JSON (sorted keys, compact)."""
    text = json.dumps(inputs, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(text.encode("ascii")).hexdigest()


# --- Inputs --------------------------------------------------------------------------------


def _verifiable_inputs(assembly: Assembly) -> dict[str, Any] | None:
    if not assembly.uses_verifiable_draw:
        return None
    lines = dict(
        line.split("=", 1) for line in assembly.snapshot_text.splitlines()[1:] if "=" in line
    )
    eligible = [int(n) for n in lines.get("eligible", "").split(",") if n]
    excluded = [
        {"quota": int(pair.split(":")[0]), "version": int(pair.split(":")[1])}
        for pair in lines.get("excluded", "").split(",")
        if pair
    ]
    return {
        "commitment": assembly.commitment,
        "seed": assembly.seed,
        "snapshot_text": assembly.snapshot_text,
        "snapshot_sha256": assembly.snapshot_sha256,
        "snapshot": {
            "assembly": lines.get("assembly", ""),
            "quota_count": int(lines.get("quota_count", assembly.group.max_quotas)),
            "direction": lines.get("direction", ""),
            "eligible": eligible,
            "excluded": excluded,
        },
    }


def _bid_rows(assembly: Assembly, credit_value: Decimal) -> list[dict[str, Any]]:
    bids = list(
        Bid.objects.filter(assembly=assembly, status=BidStatus.LIVE)
        .order_by("pk")
        .values(
            "pk",
            "quota__number",
            "quota_id",
            "quota_version_id",
            "kind",
            "expressed_as",
            "installments",
            "fraction",
            "embedded_fraction",
            "cash_fraction",
            "receipt",
        )
    )
    # The plan's terms once (not a query per bid), and one split per distinct fraction.
    terms = finance_bids.plan_terms_on(assembly.group, assembly.date)
    splits = finance_bids.split_bid_fractions(
        terms, (bid["fraction"] for bid in bids), credit_value
    )
    rows = []
    for bid in bids:
        split = splits[bid["fraction"]]
        rows.append(
            {
                "bid_id": bid["pk"],
                "quota": bid["quota__number"],
                "quota_id": bid["quota_id"],
                "quota_version_id": bid["quota_version_id"],
                "kind": bid["kind"],
                "expressed_as": bid["expressed_as"],
                "installments": None if bid["installments"] is None else str(bid["installments"]),
                "fraction": str(bid["fraction"]),
                "embedded_fraction": str(bid["embedded_fraction"]),
                "cash_fraction": str(bid["cash_fraction"]),
                "receipt": bid["receipt"],
                "common_fund_fraction": str(split.fractions["common_fund"]),
                "common_fund_part": str(split.reais["common_fund"]),
            }
        )
    return rows


def gather_inputs(assembly: Assembly) -> dict[str, Any]:
    """Everything the results of ``assembly`` depend on, as JSON (see the module docstring)."""
    group = assembly.group
    rules = assembly_rules(group, assembly.date)
    extraction = current_extraction(assembly)
    eligibility = draw_standings(assembly)
    refunded = refunded_version_ids(group.pk)
    excluded = []
    by_pair = {(v.number, v.version): v for v in excluded_versions(assembly)}
    for item in excluded_quotas_for_draw(group=group, assembly_date=assembly.date):
        excluded.append(
            {
                "number": item.number,
                "version": item.version,
                "quota_id": item.quota_id,
                "quota_version_id": item.quota_version_id,
                "standing": by_pair[(item.number, item.version)].standing.value,
                "refunded_before": item.quota_version_id in refunded,
            }
        )
    funds = assembly_funds(group, assembly.date)
    inputs: dict[str, Any] = {
        "format": INPUTS_FORMAT,
        "assembly": {
            "id": assembly.pk,
            "reference": assembly.reference,
            "group_id": group.pk,
            "group_code": group.code,
            "number": assembly.number,
            "date": assembly.date.isoformat(),
            "cutoff": assembly.eligibility_cutoff.isoformat(),
        },
        "rules": {
            "version": rules.version,
            "draw_method": rules.draw_method,
            "search_direction": rules.search_direction,
            "draws_per_assembly": rules.draws_per_assembly,
            "excluded_refunds_per_assembly": rules.excluded_refunds_per_assembly,
            "bid_payment_business_days": rules.bid_payment_business_days,
            "bid_application": rules.bid_application,
        },
        "quota_count": group.max_quotas,
        "extraction": {
            "concurso": extraction.concurso,
            "date": extraction.drawn_on.isoformat(),
            "prizes": [prize or "00000" for prize in extraction.prizes],
            "note": assembly.lottery_note,
        },
        "verifiable": _verifiable_inputs(assembly),
        "eligibility": [
            {
                "number": q.number,
                "standing": q.standing.value,
                "quota_id": q.quota_id,
                "quota_version_id": q.quota_version_id,
            }
            for q in eligibility
            if q.standing.value != "vacant"
        ],
        "excluded": excluded,
        "funds": {
            "credit_value": str(funds.credit_value),
            "common_fund": str(funds.common_fund),
            "reserve_usable": str(funds.reserve_usable),
            "available": str(funds.available),
            "lines": [[label, str(amount)] for label, amount in funds.lines],
        },
        "refund_quotes": {},
        "bids": _bid_rows(assembly, funds.credit_value),
    }
    # Quote the refunds of the excluded versions the draw reaches (their amounts are inputs).
    for result in excluded_draw_phase(inputs, key_of(inputs)):
        if result.winner is None:
            continue
        row = next(
            r
            for r in excluded
            if (r["number"], r["version"]) == (result.winner.number, result.winner.version)
        )
        quote = refund_quote(int(row["quota_version_id"]), assembly.date)
        inputs["refund_quotes"][str(row["quota_version_id"])] = {
            "common_fund_fraction": str(quote.common_fund_fraction),
            "credit_value": str(quote.credit_value),
            "gross": str(quote.gross),
            "yield_amount": str(quote.yield_amount),
            "penalty": str(quote.penalty),
            "fee_excess": str(quote.fee_excess),
            "amount": str(quote.amount),
            "total_payable": str(quote.total_payable),
        }
    _check_winning_balances(inputs)
    return inputs


def _check_winning_balances(inputs: dict[str, Any]) -> None:
    """Record the balance still to be billed of each bid that would win (the largest bid its
    quota can pay off, finance): a bid above it cannot be charged and loses; the next bids are
    then checked the same way. Only winners are checked (one query per round, not per bid)."""
    inputs["bid_balances"] = balances = {}
    by_id = {str(bid["bid_id"]): bid for bid in inputs["bids"]}
    for _ in range(len(by_id) + 1):
        outcome = recompute_from_inputs(inputs)
        unchecked = [
            str(award["bid_id"])
            for award in outcome["awards"]
            if award["bid_id"] is not None and str(award["bid_id"]) not in balances
        ]
        if not unchecked:
            return
        versions = {bid_id: int(by_id[bid_id]["quota_version_id"]) for bid_id in unchecked}
        found = finance_bids.remaining_balances(versions.values())
        for bid_id in unchecked:
            balances[bid_id] = str(found[versions[bid_id]])


# --- Computing -----------------------------------------------------------------------------


def compute_results(
    *,
    assembly: Assembly,
    actor: User | None = None,
    ttl: float | None = None,
    wait: float | None = None,
    progress: Progress | None = None,
) -> AssemblyResult:
    """Compute the assembly's results once (see the module docstring); returns the result.

    Refused with ``results_already_computed`` when a result exists, with
    ``assembly_invalid_transition`` unless bidding is closed, and with
    ``assembly_extraction_required`` without an extraction.
    """
    say = progress or (lambda _message: None)
    with (
        critical_section(f"assembly:{assembly.group_id}", ttl, wait=wait) as lease,
        transaction.atomic(),
    ):
        lease.fence()
        locked = lock_assembly(assembly.pk)
        if AssemblyResult.objects.filter(assembly=locked).exists() or locked.state in (
            AssemblyState.RESULTS_COMPUTED,
            AssemblyState.RESULTS_PUBLISHED,
        ):
            raise ResultsAlreadyComputed()
        if locked.state != AssemblyState.BIDDING_CLOSED:
            raise AssemblyInvalidTransition(
                "O resultado só é apurado com os lances encerrados.",
                extra={"state": locked.state},
            )
        say("Reunindo elegibilidade, recursos e lances")
        inputs = gather_inputs(locked)
        say("Sorteando e contando as contemplações")
        outcome = recompute_from_inputs(inputs)
        result = AssemblyResult.objects.create(
            assembly=locked,
            inputs=inputs,
            inputs_sha256=inputs_digest(inputs),
            outcome=outcome,
            key=outcome["key"],
            money_available=Decimal(outcome["money_available"]),
            money_used=Decimal(outcome["money_used"]),
            carry_over=Decimal(outcome["carry_over"]),
            computed_by=actor if actor is not None and actor.is_authenticated else None,
        )
        say("Registrando as contemplações")
        _make_awards(
            locked, inputs, outcome, actor if actor is not None and actor.is_authenticated else None
        )
        locked.had_no_funds = bool(outcome["no_funds"])
        transition(locked, AssemblyState.RESULTS_COMPUTED, actor=actor)
        publish(
            AssemblyResultsComputed(
                assembly_id=locked.pk,
                group_id=locked.group_id,
                assembly_date=locked.date,
                awards=len(outcome["awards"]),
                money_available=result.money_available,
                carry_over=result.carry_over,
            )
        )
        lease.check()
    return result


def _make_awards(
    assembly: Assembly, inputs: dict[str, Any], outcome: dict[str, Any], actor: User | None
) -> None:
    """The outcome's awards in one insert, started in order (the bid charges in one go), and
    every bid's outcome in one statement."""
    rules = inputs["rules"]
    quota_ids = {row["number"]: row["quota_id"] for row in inputs["eligibility"]}
    quota_ids |= {row["number"]: row["quota_id"] for row in inputs["excluded"]}
    due = award_services.business_days_after(assembly.date, int(rules["bid_payment_business_days"]))
    made = Award.objects.bulk_create(
        Award(
            assembly=assembly,
            quota_id=quota_ids[entry["quota"]],
            quota_version_id=entry["quota_version_id"],
            kind=entry["kind"],
            bid_id=entry["bid_id"],
            state=(
                AwardState.PENDING_PAYMENT
                if entry["kind"] == AwardKind.BID
                else AwardState.CONFIRMED
            ),
            credit_value=Decimal(entry["credit_value"]),
            amount_used=Decimal(entry["amount_used"]),
            money_before=Decimal(entry["money_before"]),
            money_after=Decimal(entry["money_after"]),
            rank=entry["rank"],
            payment_due=due if entry["kind"] == AwardKind.BID else None,
        )
        for entry in outcome["awards"]
    )
    if made:
        record_batch_audit(
            actor=actor,
            action="draws.awards.made",
            model=Award,
            count=len(made),
            details={"assembly": assembly.pk, "awards": [award.pk for award in made]},
            operation="create",
        )
        awards = list(
            Award.objects.select_related("quota", "bid")
            .filter(pk__in=[award.pk for award in made])
            .order_by("pk")
        )
        for award in awards:
            award.assembly = assembly
        award_services.start_awards(awards=awards)
    ids, statuses, ranks = [], [], []
    for row in outcome["ranking"]:
        ids.append(row["bid_id"])
        statuses.append(
            {"won": BidStatus.WON, "reserve": BidStatus.RESERVE}.get(row["outcome"], BidStatus.LOST)
        )
        ranks.append(row.get("rank"))
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {Bid._meta.db_table} AS b SET status = v.status, rank = v.rank, "  # noqa: S608
            "status_changed_at = %s FROM unnest(%s::bigint[], %s::text[], %s::integer[]) "
            "AS v(id, status, rank) WHERE b.id = v.id",
            [timezone.now(), ids, [str(status) for status in statuses], ranks],
        )


def publish_results(*, assembly: Assembly, actor: User | None = None) -> Assembly:
    """Publish computed results (the minutes may then be issued); publishes the event."""
    with transaction.atomic():
        locked = lock_assembly(assembly.pk)
        if locked.state == AssemblyState.BIDDING_CLOSED:
            raise ResultsNotComputed()
        transition(locked, AssemblyState.RESULTS_PUBLISHED, actor=actor)
        publish(
            AssemblyResultsPublished(
                assembly_id=locked.pk, group_id=locked.group_id, assembly_date=locked.date
            )
        )
    return locked


def verify_result(result: AssemblyResult) -> bool:
    """Whether the stored inputs still re-derive the stored outcome (and their digest holds)."""
    return (
        inputs_digest(result.inputs) == result.inputs_sha256
        and recompute_from_inputs(result.inputs) == result.outcome
    )
