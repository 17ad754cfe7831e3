"""An assembly's outcome as a pure function of its recorded inputs (issue 12 items 2-5).

``recompute_from_inputs(inputs)`` reads only the JSON ``inputs`` stored with the result
(``results.gather_inputs`` builds them) and answers the JSON ``outcome``; computing, verifying
and the property tests all go through it, so the stored inputs always re-derive the published
result. Steps:

1. the key: A6 (method A, B or C from the prizes) or the verifiable key (seed, prizes,
   snapshot hash);
2. the planned draws of active quotas, as many as the money allows (each uses the credit),
   each searching from the key over the quotas eligible at the cut-off, the earlier winners of
   this assembly passed over; a draw without an eligible quota ends the stage;
3. the excluded-quota draws (same key, excluded versions, oldest first); their refunds are
   counted by the award count;
4. the bids: live bids of eligible quota versions not drawn, ranked by total fraction, ties
   broken by A6's search order from the key (A8);
5. the award count (A7, ``award_count.count_awards``), which decides the awards and the
   carry-over; the other eligible bids are the reserves, in rank order.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from apps.draws.services import verifiable
from apps.draws.services.award_count import Stage, count_awards
from apps.draws.services.draw_methods import (
    DrawMethod,
    DrawResult,
    ExcludedDrawResult,
    ExcludedQuota,
    SearchDirection,
    Standing,
    derive_key,
    draw_excluded,
    search_from_key,
    search_position,
)

__all__ = [
    "INPUTS_FORMAT",
    "excluded_draw_phase",
    "recompute_from_inputs",
]

INPUTS_FORMAT = "consorcio-assembly-inputs/1"


def _standings(inputs: Mapping[str, Any]) -> dict[int, Standing]:
    standings = {int(row["number"]): Standing(row["standing"]) for row in inputs["eligibility"]}
    snapshot = inputs.get("verifiable")
    if snapshot:
        # The verifiable draw: only the snapshot fixed at the close decides who may win.
        eligible = set(snapshot["snapshot"]["eligible"])
        standings = {
            number: (Standing.NOT_ELIGIBLE if standing is Standing.ELIGIBLE else standing)
            for number, standing in standings.items()
            if number not in eligible
        }
        standings.update(dict.fromkeys(eligible, Standing.ELIGIBLE))
    return standings


def _key(inputs: Mapping[str, Any]) -> tuple[int, dict[str, Any] | None, list[str], list[int]]:
    """(key, derivation JSON, derivation text, B/C candidates)."""
    quota_count = int(inputs["quota_count"])
    prizes = inputs["extraction"]["prizes"]
    snapshot = inputs.get("verifiable")
    if snapshot:
        key = verifiable.verifiable_key(
            seed=snapshot["seed"],
            prizes=prizes,
            snapshot_sha256=snapshot["snapshot_sha256"],
            quota_count=quota_count,
        )
        text = [
            f"SHA-256(semente ‖ prêmios ‖ hash do retrato) = {key.digest}",
            f"chave = {key.digest[:12]}… mod {quota_count} → {key.key}",
        ]
        derivation = {"method": "verifiable", "digest": key.digest, "key": key.key}
        return key.key, derivation, text, []
    derived = derive_key(inputs["rules"]["draw_method"], prizes, quota_count)
    result = DrawResult(derived, derived.key, SearchDirection.UP_FIRST, (), None).as_dict()
    candidates = [candidate.value for candidate in derived.candidates]
    return derived.key, result["derivation"], derived.describe(), candidates


def _draws(inputs: Mapping[str, Any], key: int, candidates: list[int]) -> list[DrawResult]:
    credit = Decimal(inputs["funds"]["credit_value"])
    available = Decimal(inputs["funds"]["available"])
    planned = int(inputs["rules"]["draws_per_assembly"])
    held = min(planned, int(available // credit)) if credit > 0 else 0
    standings = _standings(inputs)
    results: list[DrawResult] = []
    for _ in range(held):
        taken = [result.winner for result in results if result.winner is not None]
        result = search_from_key(
            key,
            quota_count=int(inputs["quota_count"]),
            standings=standings,
            direction=inputs["rules"]["search_direction"],
            taken=taken,
            candidates=candidates,
        )
        results.append(result)
        if result.winner is None:
            break
    return results


def excluded_draw_phase(inputs: Mapping[str, Any], key: int) -> list[ExcludedDrawResult]:
    """The excluded-quota draws (planned count), before any refund is quoted."""
    snapshot = inputs.get("verifiable")
    allowed = None
    if snapshot:
        allowed = {(int(i["quota"]), int(i["version"])) for i in snapshot["snapshot"]["excluded"]}
    versions = []
    for row in inputs["excluded"]:
        standing = Standing(row["standing"])
        pair = (int(row["number"]), int(row["version"]))
        if allowed is not None and standing is Standing.ELIGIBLE and pair not in allowed:
            standing = Standing.NOT_ELIGIBLE
        versions.append(ExcludedQuota(pair[0], pair[1], standing))
    results: list[ExcludedDrawResult] = []
    for _ in range(int(inputs["rules"]["excluded_refunds_per_assembly"])):
        taken = [(r.winner.number, r.winner.version) for r in results if r.winner is not None]
        result = draw_excluded(
            key=key,
            quota_count=int(inputs["quota_count"]),
            excluded=versions,
            direction=inputs["rules"]["search_direction"],
            taken=taken,
        )
        results.append(result)
        if result.winner is None:
            break
    return results


def key_of(inputs: Mapping[str, Any]) -> int:
    """The key the inputs give (used to find the excluded winners before quoting refunds)."""
    return _key(inputs)[0]


def _rank_bids(
    inputs: Mapping[str, Any], key: int, drawn: set[int]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(ranked bids that compete, bids that cannot compete with their reason)."""
    standings = {int(row["number"]): row for row in inputs["eligibility"]}
    quota_count = int(inputs["quota_count"])
    direction = inputs["rules"]["search_direction"]
    balances = inputs.get("bid_balances", {})
    competing, out = [], []
    for bid in inputs["bids"]:
        row = standings.get(int(bid["quota"]))
        balance = balances.get(str(bid["bid_id"]))
        if int(bid["quota"]) in drawn:
            out.append(bid | {"outcome": "lost", "reason": "cota sorteada nesta assembleia"})
        elif balance is not None and Decimal(bid["fraction"]) > Decimal(balance):
            out.append(bid | {"outcome": "lost", "reason": "lance supera o saldo a vencer"})
        elif (
            row is None
            or row["standing"] != Standing.ELIGIBLE.value
            or row.get("quota_version_id") != bid["quota_version_id"]
        ):
            out.append(bid | {"outcome": "lost", "reason": "cota não elegível na data de corte"})
        else:
            competing.append(bid)
    competing.sort(
        key=lambda bid: (
            -Decimal(bid["fraction"]),
            search_position(
                int(bid["quota"]), key=key, quota_count=quota_count, direction=direction
            ),
        )
    )
    return competing, out


def _excluded_row(inputs: Mapping[str, Any], number: int, version: int) -> Mapping[str, Any]:
    for row in inputs["excluded"]:
        if int(row["number"]) == number and int(row["version"]) == version:
            found: Mapping[str, Any] = row
            return found
    raise ValueError(f"excluded version {number}/{version} missing from the inputs")


def recompute_from_inputs(inputs: Mapping[str, Any]) -> dict[str, Any]:
    """The outcome of an assembly from its recorded inputs (pure; see the module docstring)."""
    if inputs.get("format") != INPUTS_FORMAT:
        raise ValueError(f"unknown inputs format {inputs.get('format')!r}")
    key, derivation, derivation_text, candidates = _key(inputs)
    draws = _draws(inputs, key, candidates)
    excluded = excluded_draw_phase(inputs, key)
    eligibility = {int(row["number"]): row for row in inputs["eligibility"]}
    draw_refs = [str(d.winner) for d in draws if d.winner is not None]
    refunds: list[tuple[str, Decimal]] = []
    for result in excluded:
        if result.winner is not None:
            row = _excluded_row(inputs, result.winner.number, result.winner.version)
            quote = inputs["refund_quotes"].get(str(row["quota_version_id"]))
            if quote is None:
                raise ValueError(f"no refund quote for version {row['quota_version_id']}")
            if Decimal(quote.get("total_payable", quote["amount"])) > 0:
                refunds.append((str(row["quota_version_id"]), Decimal(quote["amount"])))
    drawn = {d.winner for d in draws if d.winner is not None}
    competing, out = _rank_bids(inputs, key, drawn)
    credit = Decimal(inputs["funds"]["credit_value"])
    count = count_awards(
        available=Decimal(inputs["funds"]["available"]),
        credit_value=credit,
        draw_winners=draw_refs,
        refunds=refunds,
        bids=[(str(bid["bid_id"]), Decimal(bid["common_fund_part"])) for bid in competing],
        reserve_for_draws=Decimal(inputs["funds"]["reserve_usable"]),
    )
    won_bids = set(count.refs(Stage.BID))
    ranking = []
    for rank, bid in enumerate(competing, start=1):
        won = str(bid["bid_id"]) in won_bids
        ranking.append(
            bid
            | {
                "rank": rank,
                "uses": str(max(credit - Decimal(bid["common_fund_part"]), Decimal("0.00"))),
                "outcome": "won" if won else "reserve",
                "reason": "contemplado" if won else "reserva",
            }
        )
    awards = []
    for rank, counted in enumerate(count.awards, start=1):
        entry: dict[str, Any] = {
            "kind": counted.stage.value,
            "rank": rank,
            "amount_used": str(counted.uses),
            "money_before": str(counted.money_before),
            "money_after": str(counted.money_after),
            "credit_value": str(credit),
            "bid_id": None,
        }
        if counted.stage is Stage.DRAW:
            row = eligibility[int(counted.ref)]
            entry |= {"quota": int(counted.ref), "quota_version_id": row["quota_version_id"]}
        elif counted.stage is Stage.EXCLUDED_REFUND:
            version_id = int(counted.ref)
            match = next(r for r in inputs["excluded"] if r["quota_version_id"] == version_id)
            entry |= {"quota": int(match["number"]), "quota_version_id": version_id}
        else:
            bid = next(b for b in competing if str(b["bid_id"]) == counted.ref)
            entry |= {
                "quota": int(bid["quota"]),
                "quota_version_id": bid["quota_version_id"],
                "bid_id": bid["bid_id"],
            }
        awards.append(entry)
    planned = int(inputs["rules"]["draws_per_assembly"])
    notes = [inputs["extraction"]["note"]] if inputs["extraction"].get("note") else []
    if planned and len(draws) == 0:
        notes.append("Sorteio não realizado: recursos insuficientes para um crédito.")
    return {
        "key": key,
        "method": "verifiable" if inputs.get("verifiable") else inputs["rules"]["draw_method"],
        "derivation": derivation,
        "derivation_text": derivation_text,
        "draws": [d.as_dict() | {"text": d.describe()} for d in draws],
        "excluded_draws": [e.as_dict() | {"text": e.describe()} for e in excluded],
        "ranking": ranking + out,
        "count": count.as_dict(),
        "awards": awards,
        "money_available": str(count.available),
        "money_used": str(count.used),
        "carry_over": str(count.carry_over),
        "no_funds": not awards and bool(count.skipped or (planned and not draws)),
        "notes": notes,
        "verifiable": _published_record(inputs, key, draws, excluded),
    }


def _published_record(
    inputs: Mapping[str, Any],
    key: int,
    draws: list[DrawResult],
    excluded: list[ExcludedDrawResult],
) -> dict[str, Any] | None:
    """The verifiable draw's public document (``tools/verify_draw.py`` checks it)."""
    data = inputs.get("verifiable")
    if not data:
        return None
    return {
        "format": verifiable.PUBLICATION_FORMAT,
        "commitment": data["commitment"],
        "seed": data["seed"],
        "extraction": {
            "concurso": inputs["extraction"]["concurso"],
            "date": inputs["extraction"]["date"],
            "prizes": list(inputs["extraction"]["prizes"]),
        },
        "snapshot": data["snapshot"],
        "snapshot_sha256": data["snapshot_sha256"],
        "key": key,
        "draws": len(draws),
        "excluded_draws": len(excluded),
        "winners": [d.winner for d in draws if d.winner is not None],
        "excluded_winners": [
            {"quota": e.winner.number, "version": e.winner.version}
            for e in excluded
            if e.winner is not None
        ],
    }


def method_of(inputs: Mapping[str, Any]) -> DrawMethod | None:
    """The A6 method the inputs use (None for a verifiable draw)."""
    return None if inputs.get("verifiable") else DrawMethod(inputs["rules"]["draw_method"])
