"""Bank agreements (convênios de cobrança): register and edit them (ISSUE 11 item 4).

A bank agreement says where a group's boletos are registered (bank, agency, account, wallet,
agreement code) and which nosso números it may use. Every rule lives here, the staff form only
maps fields:

- the bank must be one whose boleto layout is implemented (``services.boleto``); the data is
  then checked by the bank's own layout: a boleto is issued (nothing stored) for the first and
  the last number of the range exactly as billing would issue it, so a convênio of the wrong
  length, a wallet the bank does not have or a range past what its nosso número can carry is
  refused here and not in the middle of a billing run. Itaú's account digit (DAC of agency +
  account, modulo 10) is checked when given; the beneficiary's CNPJ by its check digits; the
  PIX key by building the static code billing would print;
- two agreements of the same bank never share a nosso número: a return file identifies a boleto
  by bank and nosso número only (``services.bank_files``), so overlapping ranges would make a
  payment ambiguous. The check runs under a transaction-level advisory lock per bank (the
  database guarantee; the Redis section only saves waiting), so two concurrent saves cannot
  both pass it;
- one active agreement per group, and one active default (no group): the database's unique
  constraints stand underneath, refused first with a message;
- once an agreement has issued numbers (its counter moved), what identifies those boletos at the
  bank (bank, agency, account, wallet, agreement code, variant, group, first number) no longer
  changes, and its range cannot end before the last number issued: register a new agreement.

A refusal raises ``BankAgreementInvalid`` (or its subclasses) with ``extra["errors"]`` naming
the fields, messages in Portuguese; nothing is written (one transaction). Creates and edits are
recorded by auditlog (``BankAgreement`` is an audited model) with the acting user.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields, replace
from decimal import Decimal
from typing import TYPE_CHECKING, ClassVar

from auditlog.context import auditlog_value, set_actor
from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from stdnum.br import cnpj

from apps.finance.models import BankAgreement
from apps.finance.services import pix
from apps.finance.services.boleto import (
    BankDataInvalid,
    BoletoError,
    CollectionAgreement,
    issue_boleto,
    layout_for,
    mod10,
    supported_banks,
)
from consorcio.errors import DomainError
from consorcio.locks import critical_section

if TYPE_CHECKING:
    from apps.groups.models import ConsortiumGroup

__all__ = [
    "FIELDS_FIXED_ONCE_ISSUED",
    "BankAgreementActiveConflict",
    "BankAgreementInvalid",
    "BankAgreementRangeOverlap",
    "BankAgreementTerms",
    "create_bank_agreement",
    "update_bank_agreement",
]

LOCK_WAIT_SECONDS = 5.0
_SAMPLE_AMOUNT = Decimal("1.00")
_SAMPLE_TXID = "COB000000000001E001"
# What identifies the boletos already issued under an agreement (frozen once it issued any).
FIELDS_FIXED_ONCE_ISSUED = (
    "group",
    "bank_code",
    "agency",
    "account",
    "wallet",
    "agreement_code",
    "variant",
    "first_nosso_numero",
)
_IDENTITY_LABELS = {
    "group": "o grupo",
    "bank_code": "o banco",
    "agency": "a agência",
    "account": "a conta",
    "wallet": "a carteira",
    "agreement_code": "o código do convênio",
    "variant": "a variante do leiaute",
    "first_nosso_numero": "o primeiro nosso número",
}
# The field a bank layout's refusal points at (``BankDataInvalid.extra["field"]``).
_LAYOUT_FIELDS = {
    "A agência": "agency",
    "A cooperativa": "agency",
    "A conta": "account",
    "A carteira": "wallet",
    "wallet": "wallet",
    "O seu número": "wallet",
    "document_number": "wallet",
    "O convênio": "agreement_code",
    "O código do cliente": "agreement_code",
    "O código do beneficiário": "agreement_code",
    "agreement_code": "agreement_code",
    "A modalidade": "variant",
    "sequence": "last_nosso_numero",
}
_CHECK_DIGIT = re.compile(r"[0-9X]")
_Add = Callable[[str, str], None]


class BankAgreementInvalid(DomainError):
    """The agreement's data breaks a rule; ``extra["errors"]`` maps fields to messages."""

    code: ClassVar[str] = "bank_agreement_invalid"
    status: ClassVar[int] = 422
    title: ClassVar[str] = "Convênio bancário inválido"
    default_detail: ClassVar[str] = "Os dados do convênio bancário são inválidos."


class BankAgreementRangeOverlap(BankAgreementInvalid):
    """The nosso número range overlaps another agreement's range at the same bank."""

    code: ClassVar[str] = "bank_agreement_range_overlap"
    status: ClassVar[int] = 409
    title: ClassVar[str] = "Faixa de nosso número sobreposta"


class BankAgreementActiveConflict(BankAgreementInvalid):
    """The group (or the administradora's default) already has another active agreement."""

    code: ClassVar[str] = "bank_agreement_active_conflict"
    status: ClassVar[int] = 409
    title: ClassVar[str] = "Convênio ativo já existente"


@dataclass(frozen=True)
class BankAgreementTerms:
    """What staff type for an agreement (``group`` None: the default for groups without one)."""

    bank_code: str
    agency: str
    account: str
    wallet: str
    agreement_code: str
    beneficiary_name: str
    beneficiary_document: str
    first_nosso_numero: int
    last_nosso_numero: int
    group: ConsortiumGroup | None = None
    agency_digit: str = ""
    account_digit: str = ""
    variant: str = ""
    pix_key: str = ""
    is_active: bool = True

    def normalised(self) -> BankAgreementTerms:
        """Surrounding blanks dropped, the bank code with 3 digits, the CNPJ as digits."""
        bank_code = self.bank_code.strip()
        return replace(
            self,
            bank_code=bank_code.zfill(3) if bank_code.isdigit() else bank_code,
            agency=self.agency.strip(),
            account=self.account.strip(),
            wallet=self.wallet.strip(),
            agreement_code=self.agreement_code.strip(),
            beneficiary_name=self.beneficiary_name.strip(),
            beneficiary_document=re.sub(r"[.\-/\s]", "", self.beneficiary_document),
            agency_digit=self.agency_digit.strip().upper(),
            account_digit=self.account_digit.strip().upper(),
            variant=self.variant.strip(),
            pix_key=self.pix_key.strip(),
        )

    def collection_agreement(self) -> CollectionAgreement:
        """The value the boleto layouts read (as billing builds it)."""
        return CollectionAgreement(
            bank_code=self.bank_code,
            agency=self.agency,
            account=self.account,
            wallet=self.wallet,
            agreement_code=self.agreement_code,
            variant=self.variant,
        )


# --------------------------------------------------------------------------------------------
# Writing


def create_bank_agreement(
    *, terms: BankAgreementTerms, actor: AbstractBaseUser | None = None
) -> BankAgreement:
    """Register an agreement; its counter starts at the first number of its range."""
    terms = terms.normalised()
    _refuse_if_any(_field_errors(terms))
    with (
        critical_section(f"bank_agreement:{terms.bank_code}", wait=LOCK_WAIT_SECONDS),
        transaction.atomic(),
    ):
        _lock_bank(terms.bank_code)
        _check_against_others(terms, current_pk=None)
        agreement = BankAgreement(next_nosso_numero=terms.first_nosso_numero)
        _copy(terms, agreement)
        _save(agreement, actor)
    return agreement


def update_bank_agreement(
    *,
    agreement: BankAgreement,
    terms: BankAgreementTerms,
    actor: AbstractBaseUser | None = None,
) -> BankAgreement:
    """Edit an agreement; once it issued numbers, what identifies them stays (module doc).

    The agreement row is locked first, so billing allocating numbers meanwhile (an ``UPDATE``
    of the counter) is serialised with the edit and the counter is never written back stale.
    """
    terms = terms.normalised()
    _refuse_if_any(_field_errors(terms))
    banks = sorted({terms.bank_code, agreement.bank_code})
    with (
        critical_section(f"bank_agreement:{'-'.join(banks)}", wait=LOCK_WAIT_SECONDS),
        transaction.atomic(),
    ):
        for bank_code in banks:
            _lock_bank(bank_code)
        locked = BankAgreement.objects.select_for_update().get(pk=agreement.pk)
        _refuse_if_any(_issued_errors(locked, terms))
        _check_against_others(terms, current_pk=locked.pk)
        nothing_issued = locked.next_nosso_numero <= locked.first_nosso_numero
        _copy(terms, locked)
        if nothing_issued:
            locked.next_nosso_numero = terms.first_nosso_numero
        _save(locked, actor)
    agreement.refresh_from_db()
    return agreement


def _save(agreement: BankAgreement, actor: AbstractBaseUser | None) -> None:
    """Save (audited with ``actor``); the database's one-active-per-group constraint, hit by a
    concurrent save at another bank, is refused like the check before it."""
    try:
        with transaction.atomic(), _audit_actor(actor):
            agreement.save()
    except IntegrityError as clash:
        message = (
            "Outro convênio ativo foi salvo para o mesmo grupo agora há pouco. Atualize a "
            "página, desative um deles e tente de novo."
        )
        raise BankAgreementActiveConflict(
            message, extra={"errors": {"group": [message]}}
        ) from clash


def _audit_actor(actor: AbstractBaseUser | None) -> contextlib.AbstractContextManager[object]:
    """Name ``actor`` in the audit entry when no request (auditlog's middleware) already does:
    commands and the demo call the service outside a request."""
    if actor is None or auditlog_value.get(None) is not None:
        return contextlib.nullcontext()
    section: contextlib.AbstractContextManager[object] = set_actor(actor)
    return section


def _copy(terms: BankAgreementTerms, agreement: BankAgreement) -> None:
    for f in fields(terms):
        if f.name == "group":
            agreement.group_id = terms.group.pk if terms.group is not None else None
        else:
            setattr(agreement, f.name, getattr(terms, f.name))


def _lock_bank(bank_code: str) -> None:
    """Serialise range checks of one bank until commit (the database guarantee)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(hashtext(%s))", [f"finance.bank_agreement:{bank_code}"]
        )


def _refuse_if_any(errors: Mapping[str, list[str]]) -> None:
    if errors:
        first = next(iter(errors.values()))[0]
        raise BankAgreementInvalid(first, extra={"errors": dict(errors)})


# --------------------------------------------------------------------------------------------
# Rules


def _field_errors(terms: BankAgreementTerms) -> dict[str, list[str]]:
    """Every rule that needs no other row: formats, then the bank's own layout."""
    errors: dict[str, list[str]] = {}

    def add(field: str, message: str) -> None:
        errors.setdefault(field, []).append(message)

    banks = supported_banks()
    if terms.bank_code not in banks:
        names = ", ".join(f"{code} ({name})" for code, name in banks.items())
        add("bank_code", f"Banco não suportado para boletos. Bancos disponíveis: {names}.")
    _digits(add, "agency", terms.agency, 5, "A agência")
    _digits(add, "account", terms.account, 12, "A conta")
    _digits(add, "wallet", terms.wallet, 3, "A carteira")
    for field, value, label in (
        ("agency_digit", terms.agency_digit, "O dígito da agência"),
        ("account_digit", terms.account_digit, "O dígito da conta"),
    ):
        if value and not _CHECK_DIGIT.fullmatch(value):
            add(field, f"{label} deve ser um único dígito (ou X).")
    if not terms.agreement_code:
        add("agreement_code", "Informe o código do convênio.")
    elif len(terms.agreement_code) > 20:
        add("agreement_code", "O código do convênio deve ter até 20 caracteres.")
    if not terms.beneficiary_name:
        add("beneficiary_name", "Informe o nome do beneficiário.")
    elif len(terms.beneficiary_name) > 120:
        add("beneficiary_name", "O nome do beneficiário deve ter até 120 caracteres.")
    if not cnpj.is_valid(terms.beneficiary_document):
        add("beneficiary_document", "CNPJ do beneficiário inválido (confira os dígitos).")
    if terms.first_nosso_numero < 1:
        add("first_nosso_numero", "O primeiro nosso número deve ser 1 ou maior.")
    if terms.last_nosso_numero < terms.first_nosso_numero:
        add("last_nosso_numero", "O último nosso número não pode ser menor que o primeiro.")
    if terms.bank_code in banks:
        _variant_errors(add, terms)
    if terms.pix_key:
        _pix_errors(add, terms)
    if not errors:
        _layout_errors(add, terms)
    return errors


def _digits(add: _Add, field: str, value: str, width: int, label: str) -> None:
    if not value.isdigit() or not value.isascii() or len(value) > width:
        add(field, f"{label} deve ter de 1 a {width} dígitos numéricos.")


def _variant_errors(add: _Add, terms: BankAgreementTerms) -> None:
    variant, bank = terms.variant, terms.bank_code
    if bank == "001" and variant not in ("", "nn17"):
        add("variant", "No Banco do Brasil a variante é vazia ou «nn17» (nosso número livre).")
    elif bank == "756" and variant and not (len(variant) == 2 and variant.isdigit()):
        add("variant", "No Sicoob a variante é a modalidade, com 2 dígitos (padrão 01).")
    elif bank not in ("001", "756") and variant:
        add("variant", "Este banco não tem variante de leiaute: deixe o campo vazio.")


def _pix_errors(add: _Add, terms: BankAgreementTerms) -> None:
    try:
        pix.build_static_pix(
            key=terms.pix_key,
            merchant_name=terms.beneficiary_name or "BENEFICIARIO",
            merchant_city=settings.PIX_MERCHANT_CITY,
            txid=_SAMPLE_TXID,
            amount=_SAMPLE_AMOUNT,
        )
    except pix.PixError as refused:
        add("pix_key", refused.detail)


def _layout_errors(add: _Add, terms: BankAgreementTerms) -> None:
    """Issue the first and the last boleto of the range as billing would (nothing stored)."""
    agreement = terms.collection_agreement()
    layout = layout_for(terms.bank_code)
    try:
        maximum = layout.max_sequence(agreement)
        if terms.last_nosso_numero > maximum:
            add(
                "last_nosso_numero",
                f"O último nosso número passa do máximo que o nosso número de "
                f"{layout.bank_name} comporta neste convênio ({maximum}).",
            )
            return
        for sequence in (terms.first_nosso_numero, terms.last_nosso_numero):
            issue_boleto(
                agreement=agreement,
                sequence=sequence,
                due_date=timezone.localdate(),
                amount=_SAMPLE_AMOUNT,
            )
    except BankDataInvalid as refused:
        add(_LAYOUT_FIELDS.get(str(refused.extra.get("field", "")), "bank_code"), refused.detail)
        return
    except BoletoError as refused:
        add("bank_code", refused.detail)
        return
    if terms.bank_code == "341" and terms.account_digit:
        expected = str(mod10(terms.agency.zfill(4) + terms.account.zfill(5)))
        if terms.account_digit != expected:
            add(
                "account_digit",
                f"O dígito da conta não confere com agência e conta do Itaú (esperado {expected}).",
            )


def _issued_errors(current: BankAgreement, terms: BankAgreementTerms) -> dict[str, list[str]]:
    """An agreement that issued numbers keeps what identifies them, and all of them."""
    if current.next_nosso_numero <= current.first_nosso_numero:
        return {}
    last_issued = current.next_nosso_numero - 1
    errors: dict[str, list[str]] = {}
    new_values = {
        **{name: getattr(terms, name) for name in FIELDS_FIXED_ONCE_ISSUED if name != "group"},
        "group": terms.group.pk if terms.group is not None else None,
    }
    old_values = {
        **{name: getattr(current, name) for name in FIELDS_FIXED_ONCE_ISSUED if name != "group"},
        "group": current.group_id,
    }
    for name in FIELDS_FIXED_ONCE_ISSUED:
        if new_values[name] != old_values[name]:
            errors[name] = [
                f"O convênio já emitiu boletos (nosso número até {last_issued}): "
                f"não é possível alterar {_IDENTITY_LABELS[name]}. Cadastre um novo convênio."
            ]
    if terms.last_nosso_numero < last_issued:
        errors.setdefault("last_nosso_numero", []).append(
            f"O último nosso número não pode ficar abaixo do último já emitido ({last_issued})."
        )
    return errors


def _check_against_others(terms: BankAgreementTerms, *, current_pk: int | None) -> None:
    """Overlapping ranges at the same bank, and a second active agreement, are refused."""
    others = BankAgreement.objects.exclude(pk=current_pk) if current_pk else BankAgreement.objects
    overlapping = (
        others.filter(
            bank_code=terms.bank_code,
            first_nosso_numero__lte=terms.last_nosso_numero,
            last_nosso_numero__gte=terms.first_nosso_numero,
        )
        .select_related("group")
        .order_by("first_nosso_numero")
        .first()
    )
    if overlapping is not None:
        owner = overlapping.group.code if overlapping.group is not None else "padrão"
        message = (
            f"A faixa {_n(terms.first_nosso_numero)} a {_n(terms.last_nosso_numero)} se "
            f"sobrepõe à do convênio {overlapping.agreement_code} ({owner}, nosso número "
            f"{_n(overlapping.first_nosso_numero)} a {_n(overlapping.last_nosso_numero)}) no "
            "mesmo banco: o retorno do banco não saberia qual boleto foi pago."
        )
        raise BankAgreementRangeOverlap(
            message, extra={"errors": {"first_nosso_numero": [message]}}
        )
    if not terms.is_active:
        return
    active = others.filter(is_active=True)
    if terms.group is not None:
        clash = active.filter(group_id=terms.group.pk).first()
        where = f"O grupo {terms.group.code} já tem"
    else:
        clash = active.filter(group__isnull=True).first()
        where = "A administradora já tem"
    if clash is not None:
        message = (
            f"{where} o convênio ativo {clash.agreement_code} (banco {clash.bank_code}). "
            "Desative-o antes de ativar outro, ou salve este como inativo."
        )
        raise BankAgreementActiveConflict(message, extra={"errors": {"group": [message]}})


def _n(number: int) -> str:
    """A whole number with Brazilian thousands dots (``1.000.000``)."""
    return f"{number:,}".replace(",", ".")
