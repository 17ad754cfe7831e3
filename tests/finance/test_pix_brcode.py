"""PIX BR Code: the published payloads, the strict rules, build ⇄ parse, and the QR image."""

from __future__ import annotations

import io
import string
from decimal import Decimal
from typing import Any

import pytest
import segno
from hypothesis import given
from hypothesis import strategies as st

from apps.finance.services.pix import (
    PixDataInvalid,
    PixPayloadInvalid,
    build_dynamic_pix,
    build_static_pix,
    crc16,
    parse_pix,
    pix_qr_png,
    pix_qr_svg,
    static_txid_for,
)
from tests.finance.payment_code_fixtures import json_document, require_fixtures

DOCUMENT = json_document("pix", "brcode_payloads.json")
VALID: list[dict[str, Any]] = DOCUMENT.get("valid", [])
INVALID: list[dict[str, Any]] = DOCUMENT.get("invalid", [])
# Reason each invalid payload must be refused for (both strict and lenient).
INVALID_REASONS = {
    "neg_crc_mismatch": "crc_mismatch",
    "neg_payload_format_02": "payload_format",
    "neg_point_of_initiation_13": "point_of_initiation",
    "neg_currency_840": "currency",
    "neg_country_AR": "country",
    "neg_missing_tag52": "missing_field",
    "neg_missing_tag59": "missing_field",
    "neg_missing_tag60": "missing_field",
    "neg_gui_not_pix": "gui",
    "neg_no_key_no_url": "no_key_or_url",
    "neg_amount_not_numeric": "amount",
    "neg_malformed_tlv_1": "malformed_tlv",
    "neg_malformed_tlv_2": "malformed_tlv",
}
EVP = "123e4567-e12b-12d1-a456-426655440000"


def test_the_shared_pix_fixtures_are_present() -> None:
    require_fixtures("pix", "brcode_payloads.json")
    assert (len(VALID), len(INVALID)) == (9, 13)


def test_crc_check_value() -> None:
    assert crc16("123456789") == "29B1"


@pytest.mark.parametrize("case", VALID, ids=lambda case: case["id"])
def test_every_valid_payload_is_read_and_its_crc_matches(case: dict[str, Any]) -> None:
    parsed = parse_pix(case["payload"], strict=False)

    assert parsed.crc == case["crc"] == crc16(case["payload"][:-4])
    assert parsed.is_dynamic == ("dynamic" in case["kind"])


@pytest.mark.parametrize("case", VALID, ids=lambda case: case["id"])
def test_the_strict_validator_accepts_exactly_the_strict_payloads(case: dict[str, Any]) -> None:
    # README: community_static_amount_txid (19-character city, txid with "-") and
    # brcode_manual_multi_arrangement (txid with "-") are well-formed but not strict.
    if case["strict"]:
        assert parse_pix(case["payload"]).payload == case["payload"]
    else:
        with pytest.raises(PixPayloadInvalid) as refusal:
            parse_pix(case["payload"])
        assert refusal.value.reason in {"merchant_city", "txid"}


@pytest.mark.parametrize("case", INVALID, ids=lambda case: case["id"])
@pytest.mark.parametrize("strict", [True, False], ids=["strict", "lenient"])
def test_every_invalid_payload_is_refused_for_its_reason(
    case: dict[str, Any], strict: bool
) -> None:
    with pytest.raises(PixPayloadInvalid) as refusal:
        parse_pix(case["payload"], strict=strict)

    assert refusal.value.reason == INVALID_REASONS[case["id"]]
    assert refusal.value.code == "pix_payload_invalid"


def test_the_manual_examples_are_reproduced_byte_for_byte() -> None:
    static = build_static_pix(
        key=EVP, merchant_name="Fulano de Tal", merchant_city="BRASILIA", txid=None
    )
    dynamic = build_dynamic_pix(
        location_url="https://pix.example.com/8b3da2f39a4140d1a91abd93113bd441",
        merchant_name="Fulano de Tal",
        merchant_city="BRASILIA",
    )

    assert static.endswith("62070503***63041D3D")
    assert dynamic.endswith("62070503***630464E4")
    by_id = {case["id"]: case["payload"] for case in VALID}
    if by_id:
        assert static == by_id["bcb_static_manual"]
        assert dynamic == by_id["bcb_dynamic_manual"]


def test_a_static_charge_carries_its_own_txid_and_amount() -> None:
    payload = build_static_pix(
        key="12345678000195",
        merchant_name="Consórcio Exemplo Administradora de Consórcios",
        merchant_city="São José dos Campos",
        txid="COB000000000123V01",
        amount=Decimal("1234.50"),
        postal_code="12245-000",
    )

    parsed = parse_pix(payload)

    assert parsed.txid == "COB000000000123V01"
    assert parsed.amount == Decimal("1234.50")
    assert "54071234.50" in payload
    # ASCII, name cut at 25 and city at 15 characters (the format's limits).
    assert parsed.merchant_name == "Consorcio Exemplo Adminis"
    assert parsed.merchant_city == "Sao Jose dos Ca"
    assert parsed.postal_code == "12245000"


def test_each_issue_of_a_charge_has_its_own_strict_static_txid() -> None:
    first, second = static_txid_for(charge_id=123), static_txid_for(charge_id=123, issue=2)

    assert first == "COB000000000123E001"
    assert second == "COB000000000123E002"
    payload = build_static_pix(key=EVP, merchant_name="ADM", merchant_city="SP", txid=second)
    assert parse_pix(payload).txid == second
    with pytest.raises(PixDataInvalid):
        static_txid_for(charge_id=0)


def test_a_lower_case_crc_is_read_leniently_only() -> None:
    payload = build_static_pix(key=EVP, merchant_name="ADM", merchant_city="SP", txid="COB1")
    lower = payload[:-4] + payload[-4:].lower()
    assert lower != payload  # the CRC has letters for this payload

    with pytest.raises(PixPayloadInvalid) as refusal:
        parse_pix(lower)

    assert refusal.value.reason == "crc_mismatch"
    assert parse_pix(lower, strict=False).txid == "COB1"


def test_a_dynamic_charge_carries_the_location_and_no_txid() -> None:
    payload = build_dynamic_pix(
        location_url="qrcodepix-h.bb.com.br/pix/v2/d9b97f73-b48b-43f6-be7e-f0594fb275a6",
        merchant_name="ALAN GUIACHERO BUENO",
        merchant_city="BRASILIA",
    )

    parsed = parse_pix(payload)

    assert parsed.is_dynamic
    assert parsed.point_of_initiation == "12"
    assert parsed.txid == "***"
    assert parsed.key is None
    by_id = {case["id"]: case["payload"] for case in VALID}
    if by_id:
        assert payload == by_id["acbr_bb_homologation_dynamic"]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"txid": "Um-Id-Qualquer"}, "txid"),
        ({"txid": "A" * 26}, "txid"),
        ({"amount": Decimal("0")}, "valor"),
        ({"amount": Decimal("10.005")}, "valor"),
        ({"amount": Decimal("10000000000.00")}, "13 caracteres"),
        ({"key": "chave com espaço"}, "chave"),
        ({"postal_code": "1224500"}, "CEP"),
        ({"merchant_name": "   "}, "nome"),
    ],
)
def test_data_that_cannot_make_a_strict_payload_is_refused(
    kwargs: dict[str, Any], message: str
) -> None:
    arguments: dict[str, Any] = {
        "key": EVP,
        "merchant_name": "Administradora",
        "merchant_city": "SAO PAULO",
        "txid": "COB1",
        **kwargs,
    }
    with pytest.raises(PixDataInvalid) as refusal:
        build_static_pix(**arguments)
    assert refusal.value.code == "pix_data_invalid"
    assert message in refusal.value.detail


def test_a_dynamic_payload_with_a_txid_is_not_strict() -> None:
    body = (
        "00020101021226700014br.gov.bcb.pix2548pix.example.com/8b3da2f39a4140d1a91abd93113bd441"
        "5204000053039865802BR5913Fulano de Tal6008BRASILIA62080504COB16304"
    )
    payload = body + crc16(body)

    with pytest.raises(PixPayloadInvalid) as refusal:
        parse_pix(payload)

    assert refusal.value.reason == "txid"
    assert parse_pix(payload, strict=False).txid == "COB1"


def test_fields_out_of_order_are_refused_by_the_strict_reader_only() -> None:
    body = (
        "00020126580014br.gov.bcb.pix0136123e4567-e12b-12d1-a456-426655440000"
        "53039865204000058" + "02BR5913Fulano de Tal6008BRASILIA62070503***6304"
    )  # 53 before 52
    payload = body + crc16(body)

    with pytest.raises(PixPayloadInvalid) as refusal:
        parse_pix(payload)

    assert refusal.value.reason == "field_order"
    assert parse_pix(payload, strict=False).currency == "986"


def test_the_qr_image_is_the_payload_in_byte_mode_with_correction_m() -> None:
    payload = build_static_pix(
        key=EVP, merchant_name="Fulano de Tal", merchant_city="BRASILIA", txid="COB1"
    )
    reference = segno.make(payload, error="m", mode="byte", micro=False, boost_error=False)
    buffer = io.BytesIO()
    reference.save(buffer, kind="svg", scale=4, border=4, xmldecl=False)

    assert pix_qr_svg(payload) == buffer.getvalue().decode("utf-8")
    assert pix_qr_png(payload).startswith(b"\x89PNG\r\n\x1a\n")
    assert reference.mode == "byte"
    assert reference.error == "M"


alnum = st.text(alphabet=string.ascii_letters + string.digits, min_size=1, max_size=25)
names = st.text(alphabet=string.ascii_letters + " ", min_size=1, max_size=25).filter(str.strip)
amounts = st.one_of(
    st.none(), st.decimals(min_value=Decimal("0.01"), max_value=Decimal("9999999999.99"), places=2)
)


@given(
    txid=alnum,
    name=names,
    city=names,
    amount=amounts,
    key=st.sampled_from([EVP, "+5511999998888", "financeiro@example.com", "12345678000195"]),
)
def test_static_build_then_parse_gives_back_the_data(
    txid: str, name: str, city: str, amount: Decimal | None, key: str
) -> None:
    parsed = parse_pix(
        build_static_pix(key=key, merchant_name=name, merchant_city=city, txid=txid, amount=amount)
    )

    assert (parsed.key, parsed.txid, parsed.amount) == (key, txid, amount)
    assert parsed.merchant_name == name.strip()[:25].strip()
    assert parsed.merchant_city == city.strip()[:15].strip()
    assert not parsed.is_dynamic


@given(path=st.from_regex(r"[a-z0-9]{1,20}(\.[a-z]{2,5}){1,2}/[A-Za-z0-9/-]{1,40}", fullmatch=True))
def test_dynamic_build_then_parse_gives_back_the_location(path: str) -> None:
    parsed = parse_pix(
        build_dynamic_pix(location_url="https://" + path, merchant_name="ADM", merchant_city="SP")
    )

    assert parsed.location_url == path
    assert parsed.txid == "***"
