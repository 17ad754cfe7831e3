"""PIX BR Code (EMV QRCPS-MPM): build, parse and validate payloads, and draw their QR code.

A payload is a flat sequence of TLV objects (2-digit id, 2-digit length, value); 26 (the Pix
merchant account) and 62 (additional data) are themselves TLV sequences. The strict rules of
``../shared/fixtures/pix/README.md``:

- 00 = ``01`` first; optional 01 point of initiation ``11``/``12``; 26 with GUI
  ``br.gov.bcb.pix`` (any case) and a key (01) or a dynamic charge's URL without scheme (25);
  52 four digits; 53 = ``986``; optional 54 amount with a dot and two decimals; 58 = ``BR``;
  59 name (1-25); 60 city (1-15); optional 61 CEP (8 digits); 62.05 txid ``[A-Za-z0-9]{1,25}``
  or ``***`` (always ``***`` when 26.25 is present); 63 CRC last, length 04;
- ids in ascending order (63 last), none repeated;
- CRC-16/CCITT-FALSE over the payload up to and including ``6304``, four upper-case hex digits.

What we generate always passes the strict rules and is ASCII (accents are stripped; the name is
cut at 25 and the city at 15 characters, as PSPs do). ``parse_pix(..., strict=False)`` is the
lenient reader of incoming payloads: it still refuses a bad CRC, a broken TLV, a wrong fixed
value or a missing field, but accepts long names and cities, other txid alphabets and ids out of
order. Lengths count characters; the CRC is over the UTF-8 bytes.
"""

from __future__ import annotations

import binascii
import io
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import ClassVar

import segno

from consorcio.errors import DomainError

__all__ = [
    "GUI",
    "TXID_NONE",
    "PixDataInvalid",
    "PixError",
    "PixPayload",
    "PixPayloadInvalid",
    "build_dynamic_pix",
    "build_static_pix",
    "crc16",
    "parse_pix",
    "pix_qr_png",
    "pix_qr_svg",
    "static_txid_for",
]

GUI = "br.gov.bcb.pix"
TXID_NONE = "***"
_MANDATORY = ("00", "26", "52", "53", "58", "59", "60", "63")
_STATIC_TXID = re.compile(r"[A-Za-z0-9]{1,25}")
_STRICT_AMOUNT = re.compile(r"[0-9]{1,10}\.[0-9]{2}")
_LENIENT_AMOUNT = re.compile(r"[0-9]*\.?[0-9]+")
_CENT = Decimal("0.01")


class PixError(DomainError):
    """Base of the PIX refusals."""

    code: ClassVar[str] = "pix_invalid"
    title: ClassVar[str] = "Código PIX inválido"


class PixPayloadInvalid(PixError):
    """A BR Code payload breaks the format; ``extra["reason"]`` says which rule (stable)."""

    code: ClassVar[str] = "pix_payload_invalid"
    title: ClassVar[str] = "Código PIX inválido"

    def __init__(self, detail: str, *, reason: str, tag: str | None = None) -> None:
        super().__init__(detail, extra={"reason": reason, **({"tag": tag} if tag else {})})
        self.reason = reason


class PixDataInvalid(PixError):
    """The data given to build a payload cannot go into one (a bad key, txid, amount…)."""

    code: ClassVar[str] = "pix_data_invalid"
    title: ClassVar[str] = "Dados do PIX inválidos"


@dataclass(frozen=True)
class PixPayload:
    """A parsed BR Code. ``txid`` is 62.05 as written (``***`` = none; None when absent)."""

    payload: str
    merchant_name: str
    merchant_city: str
    gui: str
    key: str | None = None
    description: str | None = None
    location_url: str | None = None
    point_of_initiation: str | None = None
    merchant_category: str = "0000"
    currency: str = "986"
    amount: Decimal | None = None
    country: str = "BR"
    postal_code: str | None = None
    txid: str | None = None
    other_fields: Mapping[str, str] = field(default_factory=dict)
    crc: str = ""

    @property
    def is_dynamic(self) -> bool:
        """Whether the payload points at a PSP location (26.25) instead of carrying a key."""
        return self.location_url is not None


def crc16(data: str) -> str:
    """CRC-16/CCITT-FALSE of ``data``'s UTF-8 bytes, as four upper-case hex digits."""
    return f"{binascii.crc_hqx(data.encode('utf-8'), 0xFFFF):04X}"


# -- building -----------------------------------------------------------------------------


def static_txid_for(*, charge_id: int, issue: int = 1) -> str:
    """The txid a charge's static code carries in 62.05: ``COB`` + id (12) + ``E`` + issue (3).

    ``issue`` counts the charge's versions (a second copy is issue 2), so each printed code of
    a charge has its own txid and an incoming PIX names the version it paid.
    """
    if not 0 < charge_id < 10**12 or not 0 < issue < 1000:
        raise PixDataInvalid("Número da cobrança ou da emissão fora do intervalo do txid.")
    return f"COB{charge_id:012d}E{issue:03d}"


def build_static_pix(
    *,
    key: str,
    merchant_name: str,
    merchant_city: str,
    txid: str | None,
    amount: Decimal | None = None,
    description: str | None = None,
    postal_code: str | None = None,
) -> str:
    """A static BR Code paying ``key``; ``txid`` (≤25 of ``[A-Za-z0-9]``) goes in 62.05.

    ``amount`` None lets the payer type it. ``description`` (26.02) is shown by some apps.
    """
    key = key.strip()
    if not key or len(key) > 77 or not key.isascii() or " " in key:
        raise PixDataInvalid("A chave PIX deve ter de 1 a 77 caracteres ASCII, sem espaços.")
    if txid is not None and not _STATIC_TXID.fullmatch(txid):
        raise PixDataInvalid(
            "O identificador (txid) de um PIX estático deve ter de 1 a 25 letras ou dígitos."
        )
    account = _tlv("00", GUI) + _tlv("01", key)
    if description:
        account += _tlv("02", _ascii(description))
    if len(account) > 99:
        raise PixDataInvalid("Chave e descrição do PIX excedem os 99 caracteres do campo 26.")
    return _assemble(
        point_of_initiation=None,
        account=account,
        amount=amount,
        merchant_name=merchant_name,
        merchant_city=merchant_city,
        postal_code=postal_code,
        txid=txid or TXID_NONE,
    )


def build_dynamic_pix(
    *,
    location_url: str,
    merchant_name: str,
    merchant_city: str,
    postal_code: str | None = None,
) -> str:
    """A single-use dynamic BR Code: the PSP's location (26.25, no scheme) and ``***`` in 62.05.

    The charge's amount and txid live at the PSP (the payer's app fetches the location).
    """
    url = re.sub(r"^https?://", "", location_url.strip(), flags=re.IGNORECASE)
    if not url or len(url) > 77 or not url.isascii() or " " in url:
        raise PixDataInvalid("A URL de cobrança do PSP deve ter até 77 caracteres ASCII.")
    return _assemble(
        point_of_initiation="12",
        account=_tlv("00", GUI) + _tlv("25", url),
        amount=None,
        merchant_name=merchant_name,
        merchant_city=merchant_city,
        postal_code=postal_code,
        txid=TXID_NONE,
    )


def _assemble(
    *,
    point_of_initiation: str | None,
    account: str,
    amount: Decimal | None,
    merchant_name: str,
    merchant_city: str,
    postal_code: str | None,
    txid: str,
) -> str:
    name, city = _ascii(merchant_name)[:25].strip(), _ascii(merchant_city)[:15].strip()
    if not name or not city:
        raise PixDataInvalid("O nome e a cidade do recebedor do PIX são obrigatórios.")
    parts = [_tlv("00", "01")]
    if point_of_initiation:
        parts.append(_tlv("01", point_of_initiation))
    parts += [_tlv("26", account), _tlv("52", "0000"), _tlv("53", "986")]
    if amount is not None:
        parts.append(_tlv("54", _amount_text(amount)))
    parts += [_tlv("58", "BR"), _tlv("59", name), _tlv("60", city)]
    if postal_code is not None:
        digits = re.sub(r"\D", "", postal_code)
        if len(digits) != 8:
            raise PixDataInvalid("O CEP do recebedor deve ter 8 dígitos.")
        parts.append(_tlv("61", digits))
    parts.append(_tlv("62", _tlv("05", txid)))
    body = "".join(parts) + "6304"
    return body + crc16(body)


def _amount_text(amount: Decimal) -> str:
    if not amount.is_finite() or amount <= 0 or amount != amount.quantize(_CENT):
        raise PixDataInvalid(
            "O valor do PIX deve ser positivo e ter no máximo dois decimais.",
            extra={"amount": str(amount)},
        )
    text = f"{amount:.2f}"
    if len(text) > 13:
        raise PixDataInvalid("O valor do PIX excede 13 caracteres.", extra={"amount": text})
    return text


def _tlv(tag: str, value: str) -> str:
    if len(value) > 99:
        raise PixDataInvalid(f"O campo {tag} do PIX excede 99 caracteres.")
    return f"{tag}{len(value):02d}{value}"


def _ascii(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(char for char in decomposed if not unicodedata.combining(char))
    return stripped.encode("ascii", "ignore").decode("ascii").strip()


# -- parsing ------------------------------------------------------------------------------


def parse_pix(payload: str, *, strict: bool = True) -> PixPayload:
    """Parse and validate a BR Code (see the module docstring for strict and lenient rules).

    Raises ``PixPayloadInvalid`` whose ``reason`` names the broken rule (``malformed_tlv``,
    ``crc_mismatch``, ``missing_field``, ``payload_format``, ``point_of_initiation``, ``gui``,
    ``no_key_or_url``, ``currency``, ``amount``, ``country``, ``merchant_name``,
    ``merchant_city``, ``postal_code``, ``txid``, ``duplicate_field``, ``field_order``…).
    """
    objects = _split_tlv(payload, where="")
    _check_crc(payload, objects, strict=strict)
    fields = _unique(objects, where="", strict=strict)
    missing = [tag for tag in _MANDATORY if tag not in fields]
    if missing:
        raise PixPayloadInvalid(
            f"Campo obrigatório ausente no código PIX: {missing[0]}.",
            reason="missing_field",
            tag=missing[0],
        )
    _expect(fields["00"] == "01", "payload_format", "00", "Indicador de formato deve ser 01.")
    point = fields.get("01")
    _expect(
        point in (None, "11", "12"), "point_of_initiation", "01", "Ponto de iniciação inválido."
    )
    account = _unique(_split_tlv(fields["26"], where="26"), where="26", strict=strict)
    gui = account.get("00", "")
    _expect(gui.lower() == GUI, "gui", "26", "O campo 26 não é um arranjo PIX (br.gov.bcb.pix).")
    key, url = account.get("01"), account.get("25")
    _expect(bool(key or url), "no_key_or_url", "26", "O código PIX não tem chave nem URL.")
    _expect(not (strict and key and url), "no_key_or_url", "26", "Chave e URL ao mesmo tempo.")
    _expect(
        re.fullmatch(r"[0-9]{4}", fields["52"]) is not None,
        "merchant_category",
        "52",
        "Código de categoria inválido.",
    )
    _expect(fields["53"] == "986", "currency", "53", "A moeda do PIX deve ser 986 (real).")
    _expect(fields["58"] == "BR", "country", "58", "O país do PIX deve ser BR.")
    name, city = fields["59"], fields["60"]
    _expect(0 < len(name) <= (25 if strict else 99), "merchant_name", "59", "Nome inválido.")
    _expect(0 < len(city) <= (15 if strict else 99), "merchant_city", "60", "Cidade inválida.")
    postal_code = fields.get("61")
    _expect(
        postal_code is None or not strict or re.fullmatch(r"[0-9]{8}", postal_code) is not None,
        "postal_code",
        "61",
        "CEP inválido.",
    )
    txid = _txid(fields.get("62"), dynamic=url is not None, strict=strict)
    known = {"00", "01", "26", "52", "53", "54", "58", "59", "60", "61", "62", "63"}
    return PixPayload(
        payload=payload,
        point_of_initiation=point,
        gui=gui,
        key=key,
        description=account.get("02"),
        location_url=url,
        merchant_category=fields["52"],
        currency=fields["53"],
        amount=_parse_amount(fields.get("54"), strict=strict),
        country=fields["58"],
        merchant_name=name,
        merchant_city=city,
        postal_code=postal_code,
        txid=txid,
        other_fields={tag: value for tag, value in fields.items() if tag not in known},
        crc=fields["63"],
    )


def _split_tlv(text: str, *, where: str) -> list[tuple[str, str]]:
    objects: list[tuple[str, str]] = []
    position = 0
    place = f" no campo {where}" if where else ""
    while position < len(text):
        header = text[position : position + 4]
        if len(header) < 4 or not re.fullmatch(r"[0-9]{4}", header):
            raise PixPayloadInvalid(
                f"Estrutura TLV inválida{place} na posição {position + 1}.",
                reason="malformed_tlv",
                tag=where or None,
            )
        length = int(header[2:])
        value = text[position + 4 : position + 4 + length]
        if len(value) != length:
            raise PixPayloadInvalid(
                f"O campo {header[:2]}{place} declara {length} caracteres além do fim do código.",
                reason="malformed_tlv",
                tag=header[:2],
            )
        objects.append((header[:2], value))
        position += 4 + length
    return objects


def _check_crc(payload: str, objects: list[tuple[str, str]], *, strict: bool) -> None:
    if not objects or objects[-1][0] != "63" or len(objects[-1][1]) != 4:
        raise PixPayloadInvalid(
            "O CRC (campo 63, 4 caracteres) deve ser o último campo do código PIX.",
            reason="crc_position",
            tag="63",
        )
    expected = crc16(payload[:-4])
    written = payload[-4:] if strict else payload[-4:].upper()  # strict: upper-case hex only
    if written != expected:
        raise PixPayloadInvalid(
            f"O CRC do código PIX não confere (informado {payload[-4:]}, calculado {expected}).",
            reason="crc_mismatch",
            tag="63",
        )


def _unique(objects: list[tuple[str, str]], *, where: str, strict: bool) -> dict[str, str]:
    fields: dict[str, str] = {}
    previous = ""
    for tag, value in objects:
        if tag in fields:
            raise PixPayloadInvalid(
                f"Campo {tag} repetido no código PIX.", reason="duplicate_field", tag=tag
            )
        if strict and not where and tag != "63" and tag < previous:
            raise PixPayloadInvalid(
                f"O campo {tag} está fora de ordem no código PIX.", reason="field_order", tag=tag
            )
        fields[tag], previous = value, tag
    if not where and objects and objects[0][0] != "00":
        raise PixPayloadInvalid(
            "O código PIX deve começar pelo campo 00.", reason="field_order", tag="00"
        )
    return fields


def _txid(additional: str | None, *, dynamic: bool, strict: bool) -> str | None:
    if additional is None:
        return None
    txid = _unique(_split_tlv(additional, where="62"), where="62", strict=strict).get("05")
    if not strict:
        return txid
    _expect(txid is not None, "txid", "62", "O campo 62 não traz o txid (62.05).")
    if dynamic:
        _expect(txid == TXID_NONE, "txid", "62", "Um PIX dinâmico leva *** no txid (62.05).")
    else:
        _expect(
            txid == TXID_NONE or _STATIC_TXID.fullmatch(txid or "") is not None,
            "txid",
            "62",
            "O txid (62.05) deve ter de 1 a 25 letras ou dígitos.",
        )
    return txid


def _parse_amount(text: str | None, *, strict: bool) -> Decimal | None:
    if text is None:
        return None
    pattern = _STRICT_AMOUNT if strict else _LENIENT_AMOUNT
    if len(text) > 13 or not pattern.fullmatch(text):
        raise PixPayloadInvalid(
            f"Valor «{text}» inválido no código PIX.", reason="amount", tag="54"
        )
    try:
        amount = Decimal(text)
    except InvalidOperation as exc:  # pragma: no cover - the pattern admits only numbers
        raise PixPayloadInvalid("Valor inválido.", reason="amount", tag="54") from exc
    _expect(amount > 0, "amount", "54", "O valor do PIX deve ser positivo.")
    return amount


def _expect(condition: bool, reason: str, tag: str, message: str) -> None:
    if not condition:
        raise PixPayloadInvalid(f"{message} (campo {tag})", reason=reason, tag=tag)


# -- QR image -----------------------------------------------------------------------------


def _qr(payload: str) -> segno.QRCode:
    # Byte mode, error correction M (the README's advice); the payload goes in as-is.
    return segno.make(payload, error="m", mode="byte", micro=False, boost_error=False)


def pix_qr_svg(payload: str, *, scale: int = 4) -> str:
    """The payload's QR code as an SVG document."""
    buffer = io.BytesIO()
    _qr(payload).save(buffer, kind="svg", scale=scale, border=4, xmldecl=False)
    return buffer.getvalue().decode("utf-8")


def pix_qr_png(payload: str, *, scale: int = 6) -> bytes:
    """The payload's QR code as a PNG image."""
    buffer = io.BytesIO()
    _qr(payload).save(buffer, kind="png", scale=scale, border=4)
    return buffer.getvalue()
