"""``POST /api/v1/pix/webhook/``: the PSP's signed PIX notifications apply each PIX once."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from django.test import override_settings
from rest_framework.test import APIClient

from apps.finance.models import Charge, Payment, PaymentSource
from apps.finance.selectors.ledger_integrity import find_ledger_violations
from apps.finance.services.pix_webhook import sign
from tests.finance.billing_support import billing_group
from tests.finance.test_payments import make_charge, snapshot

URL = "/api/v1/pix/webhook/"
SECRET = "segredo-do-psp-de-teste"
TXID = "CONSORCIO0001TESTE"

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("webhook_secret")]


@pytest.fixture
def webhook_secret():
    with override_settings(PIX_WEBHOOK_SECRET=SECRET, PIX_WEBHOOK_TOLERANCE_SECONDS=300):
        yield


@pytest.fixture
def group(finance_user):
    return billing_group(finance_user)


@pytest.fixture
def charge(group) -> Charge:
    target = make_charge(group)
    target.pix_txid = TXID
    target.save(update_fields=["pix_txid"])
    return target


def notification(charge: Charge, e2e: str = "E1234567820260310120000000000001", **extra: Any):
    entry = {
        "endToEndId": e2e,
        "txid": charge.pix_txid,
        "valor": str(charge.amount),
        "horario": "2026-03-10T12:00:00.000-03:00",
        "infoPagador": "parcela",
        **extra,
    }
    return json.dumps({"pix": [entry]}).encode()


def post(
    body: bytes, *, timestamp: int | None = None, secret: str = SECRET, signature: str | None = None
):
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    digest = signature if signature is not None else "sha256=" + sign(secret, stamp, body)
    return APIClient().post(
        URL,
        body,
        content_type="application/json",
        headers={"X-Pix-Timestamp": stamp, "X-Pix-Signature": digest},
    )


def test_a_signed_notification_pays_the_charge_once_and_keeps_the_ledger_balanced(group, charge):
    response = post(notification(charge))

    assert response.status_code == 200, response.content
    assert response.json()["applied"] == ["E1234567820260310120000000000001"]
    payment = Payment.objects.get(charge=charge)
    assert payment.settlement_id == "pix:E1234567820260310120000000000001"
    assert payment.source == PaymentSource.PIX
    assert payment.amount == charge.amount
    charge.refresh_from_db()
    assert charge.status == "paid"
    assert find_ledger_violations(group_id=group.pk) == []


def test_a_repeated_end_to_end_id_applies_nothing(group, charge):
    body = notification(charge)
    assert post(body).status_code == 200
    before = snapshot(group)

    again = post(body)

    assert again.status_code == 200
    assert again.json() == {
        "applied": [],
        "repeated": ["E1234567820260310120000000000001"],
        "unknown_txid": [],
    }
    assert snapshot(group) == before
    assert find_ledger_violations(group_id=group.pk) == []


@pytest.mark.parametrize(
    ("how", "code"),
    [
        ({"secret": "outro-segredo"}, "pix_webhook_signature_invalid"),
        ({"signature": ""}, "pix_webhook_signature_invalid"),
        ({"timestamp": int(time.time()) - 301}, "pix_webhook_timestamp_stale"),
        ({"timestamp": int(time.time()) + 3600}, "pix_webhook_timestamp_stale"),
    ],
)
def test_a_bad_signature_or_stale_timestamp_is_refused_and_changes_nothing(
    group, charge, how, code
):
    before = snapshot(group)

    response = post(notification(charge), **how)

    assert response.status_code == 401
    assert response["Content-Type"].startswith("application/problem+json")
    assert response.json()["code"] == code
    assert snapshot(group) == before


def test_a_body_altered_after_signing_is_refused(group, charge):
    stamp = str(int(time.time()))
    signature = "sha256=" + sign(SECRET, stamp, notification(charge))
    tampered = notification(charge, valor="1.00")

    response = post(tampered, timestamp=int(stamp), signature=signature)

    assert response.json()["code"] == "pix_webhook_signature_invalid"
    assert not Payment.objects.exists()


@pytest.mark.parametrize(
    "body", [b"not json", b'{"pix": {}}', b'{"pix": [{"txid": "X", "valor": "10.00"}]}']
)
def test_a_malformed_payload_is_refused_with_a_stable_code(group, charge, body):
    response = post(body)

    assert response.status_code == 400
    assert response.json()["code"] == "pix_webhook_malformed"
    assert not Payment.objects.exists()


def test_an_unknown_txid_is_acknowledged_and_nothing_is_applied(group, charge):
    body = json.dumps(
        {
            "pix": [
                {
                    "endToEndId": "E9999",
                    "txid": "DESCONHECIDO",
                    "valor": "10.00",
                    "horario": "2026-03-10T12:00:00Z",
                }
            ]
        }
    ).encode()

    response = post(body)

    assert response.status_code == 200
    assert response.json()["unknown_txid"] == ["E9999"]
    assert not Payment.objects.exists()
    charge.refresh_from_db()
    assert charge.status == "open"


def test_without_a_configured_secret_every_call_is_refused(group, charge):
    with override_settings(PIX_WEBHOOK_SECRET=""):
        response = post(notification(charge))

    assert response.status_code == 401
    assert response.json()["code"] == "pix_webhook_signature_invalid"
    assert not Payment.objects.exists()
