"""The PSP adapters: one contract for the fake and the real (BCB API Pix over HTTP) adapter.

The real adapter talks to the local replay server, which answers what a PSP's API Pix answers
(``replays/pix_psp_cob.json``, written from the published specification).
"""

from __future__ import annotations

import base64
import re
import uuid
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured

from apps.finance.services.pix import build_dynamic_pix, parse_pix
from apps.finance.services.psp import (
    BcbPixApiProvider,
    FakePixProvider,
    PixChargeRefused,
    PixProvider,
    PspAnswerInvalid,
    PspCredentialsRefused,
    bcb_pix_provider,
    build_pix_provider,
    dynamic_txid_for,
)
from consorcio.resilience import CircuitOpen, TransientExternalError, default_redis_client
from tests.support.replay_server import Exchange, ReplayServer

RECORDING = Path(__file__).parent / "replays" / "pix_psp_cob.json"
KEY = "12345678000195"
StartServer = Callable[[Any], ReplayServer]


def no_wait(seconds: float) -> None:
    """Backoff without waiting: the policy's arithmetic is tested in the kernel."""


@pytest.fixture
def service() -> Iterator[str]:
    """A breaker name of this test alone (the breaker state lives in Redis)."""
    name = f"test-pix-{uuid.uuid4().hex[:12]}"
    yield name
    default_redis_client().delete(f"cb:{name}:state")


def http_provider(server: ReplayServer, service: str, **overrides: Any) -> BcbPixApiProvider:
    options: dict[str, Any] = {
        "client_id": "consorcio",
        "client_secret": "s3gredo",
        "service": service,
        "sleep": no_wait,
        "timeout": 2.0,
    }
    options.update(overrides)
    return bcb_pix_provider(server.url, **options)


@pytest.fixture(params=["fake", "http"])
def provider(
    request: pytest.FixtureRequest, replay_server: StartServer, service: str
) -> PixProvider:
    if request.param == "fake":
        return FakePixProvider()
    return http_provider(replay_server(RECORDING), service)


# -- the contract both adapters keep --------------------------------------------------------


def test_a_registered_charge_has_a_bcb_txid_and_a_location_for_the_br_code(
    provider: PixProvider,
) -> None:
    charge = provider.register_dynamic_charge(
        reference="charge:1001:v1",
        amount=Decimal("1234.50"),
        pix_key=KEY,
        expires_in_seconds=3600,
        description="Parcela 12 do grupo 0042, cota 017",
        payer_document="529.982.247-25",
        payer_name="Maria da Silva",
    )

    assert re.fullmatch(r"[A-Za-z0-9]{26,35}", charge.txid)
    assert charge.txid == dynamic_txid_for("charge:1001:v1")
    payload = build_dynamic_pix(
        location_url=charge.location_url,
        merchant_name="Consorcio Exemplo",
        merchant_city="SAO PAULO",
    )
    parsed = parse_pix(payload)
    assert parsed.location_url == charge.location_url
    assert parsed.txid == "***"


def test_registering_the_same_charge_again_gives_the_same_txid_and_location(
    provider: PixProvider,
) -> None:
    first = provider.register_dynamic_charge(
        reference="charge:1001:v1", amount=Decimal("1234.50"), pix_key=KEY
    )
    again = provider.register_dynamic_charge(
        reference="charge:1001:v1", amount=Decimal("1234.50"), pix_key=KEY
    )

    assert again == first


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"amount": Decimal("0.00")}, "valor"),
        ({"amount": Decimal("10.001")}, "valor"),
        ({"payer_document": "123", "payer_name": "X"}, "CPF"),
        ({"reference": "  "}, "referência"),
    ],
)
def test_a_charge_the_psp_would_refuse_is_refused_before_any_call(
    provider: PixProvider, kwargs: dict[str, Any], message: str
) -> None:
    arguments: dict[str, Any] = {
        "reference": "charge:9999:v1",
        "amount": Decimal("10.00"),
        "pix_key": KEY,
        **kwargs,
    }
    with pytest.raises(PixChargeRefused) as refusal:
        provider.register_dynamic_charge(**arguments)
    assert refusal.value.code == "pix_charge_refused"
    assert message in refusal.value.detail


# -- the real adapter's HTTP behaviour --------------------------------------------------------


def test_the_request_is_bcb_api_pix_with_a_bearer_token_from_client_credentials(
    replay_server: StartServer, service: str
) -> None:
    server = replay_server(RECORDING)

    http_provider(server, service).register_dynamic_charge(
        reference="charge:1001:v1",
        amount=Decimal("1234.50"),
        pix_key=KEY,
        expires_in_seconds=3600,
        description="Parcela 12 do grupo 0042, cota 017",
        payer_document="529.982.247-25",
        payer_name="Maria da Silva",
    )

    token_request, put = server.requests
    assert token_request.body == b"grant_type=client_credentials"
    basic = base64.b64encode(b"consorcio:s3gredo").decode()
    assert token_request.headers["Authorization"] == f"Basic {basic}"
    assert put.method == "PUT"
    assert put.headers["Authorization"] == "Bearer tok-1"
    assert put.json() == {
        "calendario": {"expiracao": 3600},
        "valor": {"original": "1234.50"},
        "chave": KEY,
        "solicitacaoPagador": "Parcela 12 do grupo 0042, cota 017",
        "devedor": {"cpf": "52998224725", "nome": "Maria da Silva"},
    }


def test_the_token_is_reused_until_it_expires(replay_server: StartServer, service: str) -> None:
    server = replay_server(RECORDING)
    adapter = http_provider(server, service)

    for reference in ("charge:1001:v1", "charge:1002:v1"):
        adapter.register_dynamic_charge(reference=reference, amount=Decimal("10.00"), pix_key=KEY)

    assert server.count("POST", "/oauth/token") == 1


def test_a_503_is_retried_with_the_same_txid(replay_server: StartServer, service: str) -> None:
    server = replay_server(RECORDING)
    txid = dynamic_txid_for("charge:1002:v1")

    charge = http_provider(server, service).register_dynamic_charge(
        reference="charge:1002:v1", amount=Decimal("99.90"), pix_key=KEY
    )

    assert charge.location_url == "pix.psp.example.com/qr/v2/1b2c3d4e5f60718293a4b5c6d7e8f901"
    assert server.count("PUT", f"/cob/{txid}") == 2


def test_a_txid_already_registered_is_read_back_when_it_is_the_same_charge(
    replay_server: StartServer, service: str
) -> None:
    server = replay_server(RECORDING)
    txid = dynamic_txid_for("charge:1003:v1")

    charge = http_provider(server, service).register_dynamic_charge(
        reference="charge:1003:v1", amount=Decimal("150.00"), pix_key=KEY
    )

    assert charge.location_url == "pix.psp.example.com/qr/v2/aa11bb22cc33dd44ee55ff6600778899"
    assert server.count("GET", f"/cob/{txid}") == 1


def test_a_txid_already_registered_with_another_amount_is_refused(
    replay_server: StartServer, service: str
) -> None:
    server = replay_server(RECORDING)

    with pytest.raises(PixChargeRefused) as refusal:
        http_provider(server, service).register_dynamic_charge(
            reference="charge:1003:v1", amount=Decimal("151.00"), pix_key=KEY
        )
    assert "outro valor" in refusal.value.detail


def test_the_psps_refusal_reaches_staff_with_its_reasons(
    replay_server: StartServer, service: str
) -> None:
    server = replay_server(RECORDING)

    with pytest.raises(PixChargeRefused) as refusal:
        http_provider(server, service).register_dynamic_charge(
            reference="charge:1004:v1", amount=Decimal("10.00"), pix_key="chave-de-outro"
        )

    assert refusal.value.extra["external_status"] == 400
    assert "cob.chave: A chave informada não pertence ao usuário recebedor." in refusal.value.detail
    assert server.count("PUT", f"/cob/{dynamic_txid_for('charge:1004:v1')}") == 1  # not retried


def test_an_answer_without_location_is_refused(replay_server: StartServer, service: str) -> None:
    server = replay_server(RECORDING)

    with pytest.raises(PspAnswerInvalid) as refusal:
        http_provider(server, service).register_dynamic_charge(
            reference="charge:1005:v1", amount=Decimal("10.00"), pix_key=KEY
        )
    assert refusal.value.code == "pix_psp_answer_invalid"


def test_an_expired_token_is_renewed_once_and_the_scheme_is_dropped(
    replay_server: StartServer, service: str
) -> None:
    server = replay_server(RECORDING)

    charge = http_provider(server, service).register_dynamic_charge(
        reference="charge:1006:v1", amount=Decimal("10.00"), pix_key=KEY
    )

    assert charge.location_url == "pix.psp.example.com/qr/v2/0f0e0d0c0b0a09080706050403020100"
    assert server.count("POST", "/oauth/token") == 2


def test_refused_credentials_say_so(replay_server: StartServer, service: str) -> None:
    server = replay_server(
        [Exchange(method="POST", path="/oauth/token", status=401, body={"error": "invalid_client"})]
    )

    with pytest.raises(PspCredentialsRefused) as refusal:
        http_provider(server, service).register_dynamic_charge(
            reference="charge:1001:v1", amount=Decimal("10.00"), pix_key=KEY
        )
    assert refusal.value.code == "pix_psp_credentials_refused"
    assert server.count("PUT", f"/cob/{dynamic_txid_for('charge:1001:v1')}") == 0


def test_a_psp_down_opens_the_breaker_and_later_calls_fail_fast(
    replay_server: StartServer, service: str
) -> None:
    server = replay_server([Exchange(method="POST", path="/oauth/token", status=503)])
    adapter = http_provider(server, service, max_attempts=5)

    with pytest.raises(TransientExternalError):
        adapter.register_dynamic_charge(
            reference="charge:1001:v1", amount=Decimal("10.00"), pix_key=KEY
        )
    calls = server.count("POST", "/oauth/token")
    with pytest.raises(CircuitOpen) as refusal:
        adapter.register_dynamic_charge(
            reference="charge:1001:v1", amount=Decimal("10.00"), pix_key=KEY
        )

    assert calls == 5  # failure_threshold: the fifth failure opened it
    assert server.count("POST", "/oauth/token") == calls
    assert refusal.value.code == "external_service_unavailable"


# -- choosing the adapter ---------------------------------------------------------------------


def test_the_fake_adapter_is_the_default(settings: Any) -> None:
    settings.PIX_PSP_ADAPTER = "fake"

    assert isinstance(build_pix_provider(), FakePixProvider)


def test_the_bcb_adapter_is_built_from_the_settings(settings: Any) -> None:
    settings.PIX_PSP_ADAPTER = "bcb"
    settings.PIX_PSP_BASE_URL = "https://api.psp.example.com/v2"
    settings.PIX_PSP_OAUTH_URL = ""
    settings.PIX_PSP_CERT_FILE = "/etc/consorcio/pix.crt"
    settings.PIX_PSP_KEY_FILE = "/etc/consorcio/pix.key"

    adapter = build_pix_provider()

    assert isinstance(adapter, BcbPixApiProvider)
    assert adapter.oauth_url == "https://api.psp.example.com/v2/oauth/token"
    assert adapter.client.session.cert == ("/etc/consorcio/pix.crt", "/etc/consorcio/pix.key")


@pytest.mark.parametrize(("kind", "base_url"), [("bcb", ""), ("itau", "https://x")])
def test_a_misconfigured_adapter_stops_at_startup(settings: Any, kind: str, base_url: str) -> None:
    settings.PIX_PSP_ADAPTER = kind
    settings.PIX_PSP_BASE_URL = base_url

    with pytest.raises(ImproperlyConfigured):
        build_pix_provider()
