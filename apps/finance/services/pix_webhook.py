"""The PIX webhook: verify the PSP's signature and apply each received PIX (ISSUE 11 §5b).

**Authentication.** The PSP signs ``f"{timestamp}.{raw body}"`` with HMAC-SHA256 under the
shared secret ``settings.PIX_WEBHOOK_SECRET`` and sends ``X-Pix-Timestamp`` (Unix seconds)
and ``X-Pix-Signature`` (``sha256=<hex>``, or the bare hex). The signature is compared in
constant time (``hmac.compare_digest``); a timestamp further than
``settings.PIX_WEBHOOK_TOLERANCE_SECONDS`` from now (either side) is refused, so a captured
call cannot be replayed later. Mutual TLS is enforced by the ingress (README).

**Payload.** The BCB API Pix callback: ``{"pix": [{"endToEndId", "txid", "valor",
"horario", ...}]}``. Each entry is applied through ``payments.apply_payment`` with
``settlement_id=f"pix:{endToEndId}"`` and source PIX: a repeated end-to-end id applies
nothing (the unique settlement id). An entry whose txid matches no charge is logged
(``pix_webhook.unknown_txid``) and acknowledged: the PSP would otherwise retry forever, and
the money is reconciled from the bank statement by finance staff.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import time
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, ClassVar

from django.conf import settings
from django.utils import timezone

from apps.finance.models import Charge, PaymentSource
from apps.finance.services import payments
from consorcio.errors import DomainError

__all__ = [
    "SIGNATURE_HEADER",
    "TIMESTAMP_HEADER",
    "PixWebhookError",
    "PixWebhookMalformed",
    "PixWebhookSignatureInvalid",
    "PixWebhookTimestampStale",
    "WebhookOutcome",
    "handle_webhook",
    "sign",
    "verify_signature",
]

logger = logging.getLogger(__name__)

TIMESTAMP_HEADER = "X-Pix-Timestamp"
SIGNATURE_HEADER = "X-Pix-Signature"


class PixWebhookError(DomainError):
    code: ClassVar[str] = "pix_webhook_error"
    title: ClassVar[str] = "Notificação PIX recusada"


class PixWebhookSignatureInvalid(PixWebhookError):
    code: ClassVar[str] = "pix_webhook_signature_invalid"
    status: ClassVar[int] = 401
    title: ClassVar[str] = "Assinatura inválida"
    default_detail: ClassVar[str] = "A assinatura HMAC da notificação PIX não confere."


class PixWebhookTimestampStale(PixWebhookError):
    code: ClassVar[str] = "pix_webhook_timestamp_stale"
    status: ClassVar[int] = 401
    title: ClassVar[str] = "Horário da assinatura fora da tolerância"
    default_detail: ClassVar[str] = "O horário da notificação PIX está fora da tolerância."


class PixWebhookMalformed(PixWebhookError):
    code: ClassVar[str] = "pix_webhook_malformed"
    status: ClassVar[int] = 400
    title: ClassVar[str] = "Notificação PIX malformada"
    default_detail: ClassVar[str] = "O corpo da notificação PIX não segue o formato da API Pix."


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The hex HMAC-SHA256 of ``timestamp.body`` under ``secret`` (what the PSP sends)."""
    message = timestamp.encode("ascii") + b"." + body
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def verify_signature(
    *, timestamp: str | None, signature: str | None, body: bytes, now: float | None = None
) -> None:
    """Refuse a call without a valid signature or with a stale timestamp (see module doc)."""
    if not timestamp or not signature:
        raise PixWebhookSignatureInvalid(
            f"Os cabeçalhos {TIMESTAMP_HEADER} e {SIGNATURE_HEADER} são obrigatórios."
        )
    secret: str = settings.PIX_WEBHOOK_SECRET
    if not secret:
        # No secret, no valid signature: refused like a wrong one (and loudly logged).
        logger.error("pix_webhook.not_configured")
        raise PixWebhookSignatureInvalid(
            "O webhook PIX não está configurado (PIX_WEBHOOK_SECRET vazio)."
        )
    given = signature.strip().removeprefix("sha256=")
    try:
        expected = sign(secret, timestamp.strip(), body)
    except UnicodeEncodeError:
        raise PixWebhookSignatureInvalid() from None
    if not hmac.compare_digest(given.encode("ascii", "replace"), expected.encode("ascii")):
        raise PixWebhookSignatureInvalid()
    try:
        sent = int(timestamp.strip())
    except ValueError:
        raise PixWebhookTimestampStale("O horário da assinatura não é um número.") from None
    tolerance = int(settings.PIX_WEBHOOK_TOLERANCE_SECONDS)
    if abs((time.time() if now is None else now) - sent) > tolerance:
        raise PixWebhookTimestampStale(
            f"O horário da notificação difere do horário do servidor em mais de "
            f"{tolerance} segundos."
        )


@dataclass(frozen=True, slots=True)
class _PixEntry:
    end_to_end_id: str
    txid: str
    amount: Decimal
    paid_on: dt.date


@dataclass(slots=True)
class WebhookOutcome:
    """What the call did: end-to-end ids applied, repeated and with an unknown txid."""

    applied: list[str] = field(default_factory=list)
    repeated: list[str] = field(default_factory=list)
    unknown_txid: list[str] = field(default_factory=list)


def _parse(body: bytes) -> list[_PixEntry]:
    try:
        data: Any = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise PixWebhookMalformed("O corpo não é JSON válido.") from None
    if not isinstance(data, dict) or not isinstance(data.get("pix"), list):
        raise PixWebhookMalformed('O corpo deve ser {"pix": [...]}.')
    entries = []
    for index, item in enumerate(data["pix"]):
        try:
            e2e, txid = item["endToEndId"], item.get("txid") or ""
            if not isinstance(e2e, str) or not e2e or len(e2e) > 140 or e2e != e2e.strip():
                raise ValueError
            if not isinstance(txid, str):
                raise ValueError
            amount = Decimal(str(item["valor"]))
            if not amount.is_finite() or amount <= 0:
                raise ValueError
            moment = dt.datetime.fromisoformat(str(item["horario"]).replace("Z", "+00:00"))
            paid_on = (
                timezone.localtime(moment).date() if timezone.is_aware(moment) else moment.date()
            )
        except (KeyError, TypeError, ValueError, InvalidOperation):
            raise PixWebhookMalformed(
                f"O item {index} de 'pix' precisa de endToEndId, txid, valor e horario válidos."
            ) from None
        entries.append(_PixEntry(e2e, txid, amount, paid_on))
    return entries


def handle_webhook(*, body: bytes, timestamp: str | None, signature: str | None) -> WebhookOutcome:
    """Verify, parse and apply every PIX of the call; malformed bodies apply nothing."""
    verify_signature(timestamp=timestamp, signature=signature, body=body)
    entries = _parse(body)
    outcome = WebhookOutcome()
    for entry in entries:
        charge = (
            Charge.objects.filter(pix_txid=entry.txid).order_by("pk").first()
            if entry.txid
            else None
        )
        if charge is None:
            logger.warning(
                "pix_webhook.unknown_txid",
                extra={"end_to_end_id": entry.end_to_end_id, "txid": entry.txid},
            )
            outcome.unknown_txid.append(entry.end_to_end_id)
            continue
        result = payments.apply_payment(
            charge=charge,
            settlement_id=f"pix:{entry.end_to_end_id}",
            amount=entry.amount,
            paid_on=entry.paid_on,
            credited_on=entry.paid_on,
            source=PaymentSource.PIX,
        )
        (outcome.applied if result.created else outcome.repeated).append(entry.end_to_end_id)
    return outcome
