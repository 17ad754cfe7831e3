"""The PIX payment service provider (PSP): registering a charge's dynamic PIX code.

``PixProvider`` is the interface; two adapters implement it:

- ``FakePixProvider``: in memory, for development and tests (locations under
  ``pix.consorcio.invalid``, a hostname that never resolves);
- ``BcbPixApiProvider``: BCB's standard "API Pix" of the receiving PSP, ``PUT /cob/{txid}``
  (an immediate charge whose txid we choose), OAuth 2 client credentials
  (``POST {oauth_url}``, HTTP Basic with client id and secret) and mutual TLS (client
  certificate and key files). Every request goes through the kernel's ``JsonHttpClient`` under
  a ``ResiliencePolicy`` (timeout, retries with backoff on 5xx/429/timeouts/dropped connections,
  circuit breaker ``pix-psp`` shared through Redis). ``PUT`` is idempotent by its URL, so a retry
  cannot create two charges; when the PSP says the txid already exists (409, the answer of a
  first attempt got lost) the adapter reads the charge back with ``GET /cob/{txid}``.

The txid is ours: ``dynamic_txid_for(reference)`` derives 32 characters of ``[0-9a-f]`` (inside
BCB's ``[a-zA-Z0-9]{26,35}``) from the caller's reference (``"charge:123:v1"``), so
registering the same charge twice names the same txid. The charge stores that txid and the
location; its BR Code is ``pix.build_dynamic_pix(location_url=...)``.

``build_pix_provider()`` picks the adapter from the settings ``PIX_PSP_*`` (README "Finance:
boleto and PIX").
"""

from __future__ import annotations

import hashlib
import re
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, ClassVar, Protocol

import requests
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from consorcio.errors import DomainError
from consorcio.resilience import (
    CircuitBreaker,
    ExternalRequestRejected,
    ExternalServiceError,
    ExternalServiceUnavailable,
    ExternalTimeout,
    JsonHttpClient,
    ResiliencePolicy,
    TransientExternalError,
)

__all__ = [
    "SERVICE",
    "BcbPixApiProvider",
    "DynamicCharge",
    "FakePixProvider",
    "PixChargeRefused",
    "PixProvider",
    "PspAnswerInvalid",
    "PspCredentialsRefused",
    "bcb_pix_provider",
    "build_pix_provider",
    "dynamic_txid_for",
]

SERVICE = "pix-psp"
_DYNAMIC_TXID = re.compile(r"[A-Za-z0-9]{26,35}")


class PixChargeRefused(DomainError):
    """The PSP refused to register the charge (its reasons are in ``detail``)."""

    code: ClassVar[str] = "pix_charge_refused"
    title: ClassVar[str] = "Cobrança PIX recusada pelo PSP"


class PspCredentialsRefused(DomainError):
    """The PSP's token endpoint refused our client id, secret or certificate."""

    code: ClassVar[str] = "pix_psp_credentials_refused"
    status: ClassVar[int] = 502
    title: ClassVar[str] = "Credenciais recusadas pelo PSP"
    default_detail: ClassVar[str] = (
        "O PSP recusou as credenciais da administradora (client id, segredo ou certificado). "
        "Verifique a configuração PIX_PSP_*."
    )


class PspAnswerInvalid(DomainError):
    """The PSP answered something we cannot use (no location, another txid…)."""

    code: ClassVar[str] = "pix_psp_answer_invalid"
    status: ClassVar[int] = 502
    title: ClassVar[str] = "Resposta inválida do PSP"


@dataclass(frozen=True)
class DynamicCharge:
    """A registered dynamic charge: where the payer's app fetches it, and its txid."""

    location_url: str  # without scheme, as it goes into the BR Code's 26.25
    txid: str  # 26-35 characters of [A-Za-z0-9]


class PixProvider(Protocol):
    """What the billing services ask of a PSP."""

    def register_dynamic_charge(
        self,
        *,
        reference: str,
        amount: Decimal,
        pix_key: str,
        expires_in_seconds: int = 86_400,
        description: str = "",
        payer_document: str | None = None,
        payer_name: str | None = None,
    ) -> DynamicCharge:
        """Register a charge of ``amount`` payable to ``pix_key``; idempotent per ``reference``."""
        ...


def dynamic_txid_for(reference: str) -> str:
    """The txid of the dynamic charge named ``reference`` (32 hex characters, deterministic)."""
    if not reference.strip():
        raise PixChargeRefused("A referência da cobrança PIX não pode ser vazia.")
    return hashlib.sha256(f"consorcio-pix:{reference}".encode()).hexdigest()[:32]


def _charge_body(
    *,
    amount: Decimal,
    pix_key: str,
    expires_in_seconds: int,
    description: str,
    payer_document: str | None,
    payer_name: str | None,
) -> dict[str, Any]:
    """The ``/cob`` request body (BCB API Pix), refusing what the PSP would refuse anyway."""
    if not amount.is_finite() or amount <= 0 or amount != amount.quantize(Decimal("0.01")):
        raise PixChargeRefused(
            "O valor da cobrança PIX deve ser positivo e ter no máximo dois decimais.",
            extra={"amount": str(amount)},
        )
    if expires_in_seconds < 1:
        raise PixChargeRefused("A validade da cobrança PIX deve ser positiva.")
    body: dict[str, Any] = {
        "calendario": {"expiracao": expires_in_seconds},
        "valor": {"original": f"{amount:.2f}"},
        "chave": pix_key,
    }
    if description:
        body["solicitacaoPagador"] = description[:140]
    if payer_document:
        digits = re.sub(r"\D", "", payer_document)
        kind = {11: "cpf", 14: "cnpj"}.get(len(digits))
        if kind is None or not payer_name:
            raise PixChargeRefused(
                "O devedor da cobrança PIX precisa de CPF (11 dígitos) ou CNPJ (14) e nome."
            )
        body["devedor"] = {kind: digits, "nome": payer_name[:200]}
    return body


class FakePixProvider:
    """An in-memory PSP: same contract as the real one, for development and tests."""

    def __init__(self, host: str = "pix.consorcio.invalid") -> None:
        self.host = host
        self.charges: dict[str, tuple[DynamicCharge, dict[str, Any]]] = {}
        self._lock = threading.Lock()

    def register_dynamic_charge(
        self,
        *,
        reference: str,
        amount: Decimal,
        pix_key: str,
        expires_in_seconds: int = 86_400,
        description: str = "",
        payer_document: str | None = None,
        payer_name: str | None = None,
    ) -> DynamicCharge:
        """Register (or find again) the charge of ``reference``."""
        txid = dynamic_txid_for(reference)
        body = _charge_body(
            amount=amount,
            pix_key=pix_key,
            expires_in_seconds=expires_in_seconds,
            description=description,
            payer_document=payer_document,
            payer_name=payer_name,
        )
        with self._lock:
            known = self.charges.get(txid)
            if known is not None:
                return _same_charge(known[0], known[1], body)
            charge = DynamicCharge(f"{self.host}/qr/v2/{uuid.uuid4().hex}", txid)
            self.charges[txid] = (charge, body)
            return charge


def _same_charge(
    charge: DynamicCharge, stored: dict[str, Any], body: dict[str, Any]
) -> DynamicCharge:
    if stored["valor"] != body["valor"] or stored["chave"] != body["chave"]:
        raise PixChargeRefused(
            "Já existe uma cobrança PIX com este txid e outro valor ou chave.",
            extra={"txid": charge.txid},
        )
    return charge


class _PixApiClient(JsonHttpClient):
    """``JsonHttpClient`` plus ``PUT`` (idempotent by URL, so always retried when transient)."""

    def put(self, path: str, *, json: Any, headers: Mapping[str, str] | None = None) -> Any:
        return self.policy.call(self._send, "PUT", path, json=json, headers=headers)


class BcbPixApiProvider:
    """BCB API Pix of the receiving PSP: OAuth 2 token, then ``PUT /cob/{txid}``."""

    def __init__(
        self,
        client: _PixApiClient,
        *,
        oauth_url: str,
        client_id: str,
        client_secret: str,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.client = client
        self.oauth_url = oauth_url
        self.client_id = client_id
        self.client_secret = client_secret
        self._clock = clock
        self._token: tuple[str, float] | None = None  # (access token, valid until)
        self._lock = threading.Lock()

    def register_dynamic_charge(
        self,
        *,
        reference: str,
        amount: Decimal,
        pix_key: str,
        expires_in_seconds: int = 86_400,
        description: str = "",
        payer_document: str | None = None,
        payer_name: str | None = None,
    ) -> DynamicCharge:
        """``PUT /cob/{txid}``; a 409 (txid known) reads the charge back and checks it."""
        txid = dynamic_txid_for(reference)
        body = _charge_body(
            amount=amount,
            pix_key=pix_key,
            expires_in_seconds=expires_in_seconds,
            description=description,
            payer_document=payer_document,
            payer_name=payer_name,
        )
        try:
            answer = self._authorised(
                lambda headers: self.client.put(f"/cob/{txid}", json=body, headers=headers)
            )
        except ExternalRequestRejected as refused:
            if refused.status_code != 409:
                raise _refusal(refused) from None
            # The txid exists: our own earlier attempt whose answer was lost, or a clash.
            answer = self._authorised(
                lambda headers: self.client.get(f"/cob/{txid}", headers=headers)
            )
            charge = _charge_from(answer, txid)
            if (answer.get("valor") or {}).get("original") != body["valor"]["original"]:
                raise PixChargeRefused(
                    "Já existe uma cobrança PIX com este txid e outro valor.",
                    extra={"txid": txid},
                ) from None
            return charge
        return _charge_from(answer, txid)

    def _authorised(self, call: Callable[[dict[str, str]], Any]) -> Any:
        """Run ``call`` with a bearer token; a 401 fetches a new token and tries once more."""
        try:
            return call({"Authorization": f"Bearer {self._access_token()}"})
        except ExternalRequestRejected as refused:
            if refused.status_code != 401:
                raise
            with self._lock:
                self._token = None
            return call({"Authorization": f"Bearer {self._access_token()}"})

    def _access_token(self) -> str:
        with self._lock:
            if self._token is not None and self._clock() < self._token[1]:
                return self._token[0]
        try:
            answer = self.client.policy.call(self._request_token)
        except ExternalRequestRejected as refused:
            raise PspCredentialsRefused(extra={"external_status": refused.status_code}) from None
        if not isinstance(answer, dict) or not answer.get("access_token"):
            raise PspAnswerInvalid("O PSP não devolveu um token de acesso.")
        lifetime = float(answer.get("expires_in") or 300)
        with self._lock:
            # Renew 30 s early so a token never expires between our check and the PSP's.
            self._token = (str(answer["access_token"]), self._clock() + max(lifetime - 30, 1))
            return self._token[0]

    def _request_token(self, *, timeout: float) -> Any:
        """One OAuth 2 client-credentials request (form body, HTTP Basic), errors mapped."""
        service = self.client.policy.name
        try:
            response = self.client.session.post(
                self.oauth_url,
                data={"grant_type": "client_credentials"},
                auth=(self.client_id, self.client_secret),
                timeout=timeout,
            )
        except requests.Timeout as exc:
            raise ExternalTimeout(service) from exc
        except requests.ConnectionError as exc:
            raise ExternalServiceUnavailable(service) from exc
        except requests.RequestException as exc:
            raise ExternalServiceError(service) from exc
        if response.status_code >= 500 or response.status_code == 429:
            raise TransientExternalError(service, status_code=response.status_code)
        if response.status_code >= 400:
            raise ExternalRequestRejected(service, response.status_code, response.text)
        try:
            return response.json()
        except ValueError as exc:
            raise PspAnswerInvalid("O PSP devolveu um token ilegível.") from exc


def _charge_from(answer: Any, txid: str) -> DynamicCharge:
    if not isinstance(answer, dict):
        raise PspAnswerInvalid("O PSP respondeu sem os dados da cobrança.")
    if answer.get("txid") != txid:
        raise PspAnswerInvalid(
            f"O PSP respondeu a cobrança {answer.get('txid')!r}, não a {txid}.",
            extra={"txid": txid},
        )
    location = answer.get("location") or (answer.get("loc") or {}).get("location")
    location = re.sub(r"^https?://", "", str(location or ""), flags=re.IGNORECASE)
    if not location or len(location) > 77 or not location.isascii() or " " in location:
        raise PspAnswerInvalid("O PSP respondeu sem uma location utilizável no BR Code.")
    if not _DYNAMIC_TXID.fullmatch(txid):  # pragma: no cover - dynamic_txid_for guarantees it
        raise PspAnswerInvalid("txid fora do formato do PIX dinâmico.")
    return DynamicCharge(location, txid)


def _refusal(refused: ExternalRequestRejected) -> PixChargeRefused:
    """A PSP's 4xx problem (BCB API Pix: title, detail, violacoes) as our refusal."""
    body = refused.body if isinstance(refused.body, dict) else {}
    reasons = [
        f"{item.get('propriedade', '?')}: {item.get('razao', '')}".strip()
        for item in body.get("violacoes", []) or []
        if isinstance(item, dict)
    ]
    detail = str(body.get("detail") or body.get("title") or "Cobrança recusada.")
    if reasons:
        detail += " " + "; ".join(reasons)
    return PixChargeRefused(
        f"O PSP recusou a cobrança PIX: {detail}",
        extra={"external_status": refused.status_code},
    )


def bcb_pix_provider(
    base_url: str,
    *,
    client_id: str,
    client_secret: str,
    oauth_url: str = "",
    cert_file: str = "",
    key_file: str = "",
    timeout: float = 5.0,
    max_attempts: int = 3,
    deadline: float = 20.0,
    service: str = SERVICE,
    sleep: Callable[[float], None] = time.sleep,
) -> BcbPixApiProvider:
    """The real adapter with its resilience policy (``service`` names the breaker)."""
    policy = ResiliencePolicy(
        service,
        timeout=timeout,
        max_attempts=max_attempts,
        deadline=deadline,
        breaker=CircuitBreaker(service, failure_threshold=5, recovery_timeout=60),
        sleep=sleep,
    )
    session = requests.Session()
    if cert_file:
        session.cert = (cert_file, key_file) if key_file else cert_file
    client = _PixApiClient(base_url, policy, session=session)
    return BcbPixApiProvider(
        client,
        oauth_url=oauth_url or f"{base_url.rstrip('/')}/oauth/token",
        client_id=client_id,
        client_secret=client_secret,
    )


_FAKE = FakePixProvider()


def build_pix_provider() -> PixProvider:
    """The adapter the settings choose (``PIX_PSP_ADAPTER``: ``fake`` | ``bcb``)."""
    kind = str(getattr(settings, "PIX_PSP_ADAPTER", "fake"))
    if kind == "fake":
        return _FAKE
    if kind == "bcb":
        base_url = str(getattr(settings, "PIX_PSP_BASE_URL", "") or "")
        if not base_url:
            raise ImproperlyConfigured("PIX_PSP_ADAPTER=bcb requires PIX_PSP_BASE_URL")
        return bcb_pix_provider(
            base_url,
            client_id=str(getattr(settings, "PIX_PSP_CLIENT_ID", "")),
            client_secret=str(getattr(settings, "PIX_PSP_CLIENT_SECRET", "")),
            oauth_url=str(getattr(settings, "PIX_PSP_OAUTH_URL", "") or ""),
            cert_file=str(getattr(settings, "PIX_PSP_CERT_FILE", "") or ""),
            key_file=str(getattr(settings, "PIX_PSP_KEY_FILE", "") or ""),
            timeout=float(getattr(settings, "PIX_PSP_TIMEOUT_SECONDS", 5.0)),
        )
    raise ImproperlyConfigured(f"PIX_PSP_ADAPTER must be 'fake' or 'bcb', not {kind!r}")
