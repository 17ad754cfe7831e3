"""Bids (lances): placing, replacing and withdrawing sealed bids (DOMAIN.md A8, Part B §4.1).

- Only while bidding is open and before the close time (``bidding_closed`` afterwards); the
  assembly row is locked for the write, so a bid and the close never interleave.
- Only eligible quotas (A5: the eligibility selector at the assembly's cut-off).
- Types as the group allows: free; fixed (at the group's fixed %); embedded (the embedded part
  up to the group's maximum, any rest paid in cash). Expressed as a fraction of the credit or
  as a number of installments, converted with the plan's installment fraction (finance).
- One live bid per quota version and assembly (a partial unique index underneath): a new bid
  replaces the live one, which becomes ``replaced``.
- The receipt is the SHA-256 of the bid's canonical form (``bid_canonical_form``): compact JSON
  with sorted keys that includes a random nonce, so a receipt published in the minutes reveals
  nothing of the amount, while the bidder, who holds the canonical form, checks it.
- An ``idempotency_key`` replays: the same body answers the first bid, another body is refused.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets
from decimal import Decimal
from typing import TYPE_CHECKING, Any, ClassVar

from django.db import transaction
from django.utils import timezone

from apps.draws.lock_objects import lock_assembly
from apps.draws.models import Assembly, AssemblyState, Bid, BidExpression, BidKind, BidStatus
from apps.draws.services.assemblies import assembly_rules, draw_standings
from apps.draws.services.draw_methods import Standing
from apps.finance.selectors import bids as finance_bids
from consorcio.errors import DomainError
from consorcio.money import round_fraction

if TYPE_CHECKING:
    from apps.accounts.models import User
    from apps.groups.models import GroupRules, Quota

__all__ = [
    "BidIdempotencyConflict",
    "BidInvalid",
    "BidKindNotAllowed",
    "BidNotLive",
    "BidQuotaNotEligible",
    "BiddingClosed",
    "BiddingNotOpen",
    "bid_canonical_form",
    "place_bid",
    "receipt_matches",
    "receipt_of",
    "withdraw_bid",
]

CANONICAL_FORMAT = "consorcio-bid/1"
_ZERO = Decimal("0")


class BiddingClosed(DomainError):
    code: ClassVar[str] = "bidding_closed"
    status: ClassVar[int] = 409
    title: ClassVar[str] = "Lances encerrados"
    default_detail = "O prazo de lances desta assembleia terminou."


class BiddingNotOpen(DomainError):
    code: ClassVar[str] = "bidding_not_open"
    status: ClassVar[int] = 409
    title: ClassVar[str] = "Lances ainda não abertos"
    default_detail = "Os lances desta assembleia ainda não foram abertos."


class BidQuotaNotEligible(DomainError):
    code: ClassVar[str] = "bid_quota_not_eligible"
    title: ClassVar[str] = "Cota não pode ofertar lance"


class BidKindNotAllowed(DomainError):
    code: ClassVar[str] = "bid_kind_not_allowed"
    title: ClassVar[str] = "Tipo de lance não permitido"


class BidInvalid(DomainError):
    code: ClassVar[str] = "bid_invalid"
    title: ClassVar[str] = "Lance inválido"

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message, extra={"errors": {field: [message]}})


class BidIdempotencyConflict(DomainError):
    code: ClassVar[str] = "bid_idempotency_conflict"
    status: ClassVar[int] = 409
    title: ClassVar[str] = "Chave de idempotência reutilizada"
    default_detail = "Esta chave de idempotência já foi usada para outro lance."


class BidNotLive(DomainError):
    code: ClassVar[str] = "bid_not_live"
    status: ClassVar[int] = 409
    title: ClassVar[str] = "Lance não vigente"
    default_detail = "Este lance não está mais vigente."


def _percent(fraction: Decimal) -> str:
    return f"{(fraction * 100).normalize():f}%".replace(".", ",")


def _check_open(assembly: Assembly, now: dt.datetime) -> None:
    if assembly.state == AssemblyState.SCHEDULED:
        raise BiddingNotOpen()
    if assembly.state != AssemblyState.BIDDING_OPEN or now >= assembly.bid_closes_at:
        raise BiddingClosed(
            f"Os lances da assembleia de {assembly.date:%d/%m/%Y} foram encerrados em "
            f"{timezone.localtime(assembly.bid_closes_at):%d/%m/%Y %H:%M}.",
            extra={"assembly_id": assembly.pk},
        )


def _check_kind(rules: GroupRules, kind: str) -> None:
    allowed = {
        BidKind.FREE: rules.free_bid_allowed,
        BidKind.FIXED: rules.fixed_bid_allowed,
        BidKind.EMBEDDED: rules.embedded_bid_allowed,
    }
    if kind not in allowed:
        raise BidInvalid("kind", f"Tipo de lance «{kind}» desconhecido.")
    if not allowed[BidKind(kind)]:
        raise BidKindNotAllowed(
            f"O grupo não admite {BidKind(kind).label.lower()}.", extra={"kind": kind}
        )


def _amounts(
    *,
    assembly: Assembly,
    rules: GroupRules,
    kind: str,
    fraction: Decimal | None,
    installments: Decimal | int | None,
    embedded_fraction: Decimal | None,
) -> dict[str, Any]:
    """Total, embedded and cash fractions (10 places) and how the bid was expressed."""
    if (fraction is None) == (installments is None) and kind != BidKind.FIXED:
        raise BidInvalid("fraction", "Informe o lance em % do crédito ou em número de parcelas.")
    expressed_as = BidExpression.PERCENT
    per_installment: Decimal | None = None
    count: Decimal | None = None
    if installments is not None:
        count = Decimal(installments)
        if count <= 0:
            raise BidInvalid("installments", "O número de parcelas deve ser positivo.")
        per_installment = finance_bids.installment_fraction(assembly.group, assembly.date)
        total = round_fraction(count * per_installment)
        expressed_as = BidExpression.INSTALLMENTS
    elif fraction is not None:
        total = round_fraction(Decimal(fraction))
    else:
        total = rules.fixed_bid_fraction
    if kind == BidKind.FIXED and total != rules.fixed_bid_fraction:
        raise BidInvalid(
            "fraction", f"O lance fixo deste grupo é de {_percent(rules.fixed_bid_fraction)}."
        )
    if not _ZERO < total <= 1:
        raise BidInvalid("fraction", "O lance deve ficar entre 0% e 100% do crédito.")
    embedded = _ZERO
    if kind == BidKind.EMBEDDED:
        cap = rules.embedded_bid_max_fraction
        embedded = (
            min(total, cap) if embedded_fraction is None else round_fraction(embedded_fraction)
        )
        if embedded <= 0 or embedded > cap or embedded > total:
            raise BidInvalid(
                "embedded_fraction",
                f"A parte embutida vai até {_percent(cap)} do crédito e não passa do lance.",
            )
    elif embedded_fraction:
        raise BidInvalid("embedded_fraction", "Só o lance embutido tem parte embutida.")
    return {
        "expressed_as": expressed_as,
        "installments": count,
        "installment_fraction": per_installment,
        "fraction": total,
        "embedded_fraction": round_fraction(embedded),
        "cash_fraction": round_fraction(total - embedded),
    }


def bid_canonical_form(
    *,
    assembly: Assembly,
    quota: Quota,
    version: int,
    kind: str,
    amounts: dict[str, Any],
    placed_at: dt.datetime,
    nonce: str,
) -> str:
    """The bid's canonical form: compact JSON, sorted keys (its SHA-256 is the receipt)."""

    def text(value: Decimal | None) -> str | None:
        return None if value is None else f"{value:f}"

    document = {
        "format": CANONICAL_FORMAT,
        "assembly": assembly.reference,
        "quota": quota.number,
        "quota_version": version,
        "kind": kind,
        "expressed_as": str(amounts["expressed_as"]),
        "installments": text(amounts["installments"]),
        "fraction": text(amounts["fraction"]),
        "embedded_fraction": text(amounts["embedded_fraction"]),
        "cash_fraction": text(amounts["cash_fraction"]),
        "placed_at": placed_at.astimezone(dt.UTC).isoformat(),
        "nonce": nonce,
    }
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=True)


def receipt_of(canonical: str) -> str:
    """SHA-256 of the canonical form's UTF-8 bytes, hex."""
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def receipt_matches(bid: Bid) -> bool:
    """Whether the stored receipt is the hash of the stored canonical form."""
    return receipt_of(bid.canonical) == bid.receipt


def _same_body(bid: Bid, version_id: int, kind: str, amounts: dict[str, Any]) -> bool:
    return (
        bid.quota_version_id == version_id
        and bid.kind == kind
        and bid.fraction == amounts["fraction"]
        and bid.embedded_fraction == amounts["embedded_fraction"]
        and bid.expressed_as == amounts["expressed_as"]
        and bid.installments == amounts["installments"]
    )


def place_bid(
    *,
    assembly: Assembly,
    quota: Quota,
    kind: str,
    actor: User | None,
    fraction: Decimal | None = None,
    installments: Decimal | int | None = None,
    embedded_fraction: Decimal | None = None,
    idempotency_key: str = "",
    now: dt.datetime | None = None,
) -> Bid:
    """Place (or replace) the quota's sealed bid at the assembly; returns the live bid."""
    moment = now or timezone.now()
    with transaction.atomic():
        locked = lock_assembly(assembly.pk)
        if quota.group_id != locked.group_id:
            raise BidInvalid("quota", "A cota não pertence ao grupo da assembleia.")
        rules = assembly_rules(locked.group, locked.date)
        _check_kind(rules, kind)
        amounts = _amounts(
            assembly=locked,
            rules=rules,
            kind=kind,
            fraction=fraction,
            installments=installments,
            embedded_fraction=embedded_fraction,
        )
        if idempotency_key:
            earlier = Bid.objects.filter(assembly=locked, idempotency_key=idempotency_key).first()
            if earlier is not None:
                version_id = quota.current_version_id or 0
                if not _same_body(earlier, version_id, kind, amounts):
                    raise BidIdempotencyConflict()
                return earlier
        _check_open(locked, moment)
        standing = next(iter(draw_standings(locked, number=quota.number)), None)
        if (
            standing is None
            or standing.standing is not Standing.ELIGIBLE
            or standing.quota_version_id is None
        ):
            raise BidQuotaNotEligible(
                f"A cota {quota.number} não está apta a ofertar lance nesta assembleia "
                "(ativa, não contemplada e em dia até a data de corte).",
                extra={"standing": standing.standing.value if standing else "vacant"},
            )
        remaining = finance_bids.remaining_balance(standing.quota_version_id)
        if amounts["fraction"] > remaining:
            raise BidInvalid(
                "fraction",
                f"O lance supera o saldo a vencer da cota ({_percent(remaining)} do crédito).",
            )
        previous = (
            Bid.objects.select_for_update()
            .filter(assembly=locked, quota_version_id=standing.quota_version_id, status="live")
            .first()
        )
        if previous is not None:
            previous.status = BidStatus.REPLACED
            previous.status_changed_at = moment
            previous.save(update_fields=["status", "status_changed_at"])
        canonical = bid_canonical_form(
            assembly=locked,
            quota=quota,
            version=standing.version or 0,
            kind=kind,
            amounts=amounts,
            placed_at=moment,
            nonce=secrets.token_hex(16),
        )
        return Bid.objects.create(
            assembly=locked,
            quota=quota,
            quota_version_id=standing.quota_version_id,
            kind=kind,
            replaces=previous,
            canonical=canonical,
            receipt=receipt_of(canonical),
            idempotency_key=idempotency_key,
            created_by=actor if actor is not None and actor.is_authenticated else None,
            created_at=moment,
            **amounts,
        )


def withdraw_bid(*, bid: Bid, actor: User | None, now: dt.datetime | None = None) -> Bid:
    """Withdraw a live bid before bidding closes."""
    moment = now or timezone.now()
    with transaction.atomic():
        locked = lock_assembly(bid.assembly_id)
        _check_open(locked, moment)
        current = Bid.objects.select_for_update().get(pk=bid.pk)
        if current.status != BidStatus.LIVE:
            raise BidNotLive()
        current.status = BidStatus.WITHDRAWN
        current.status_changed_at = moment
        current.save(update_fields=["status", "status_changed_at"])
    return current
