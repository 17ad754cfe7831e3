"""Every write of the members context: registering and updating members, addresses, consent.

Keyword-only arguments, one transaction per action, refusals as `DomainError` subclasses with
stable codes and Portuguese messages. Documents (CPF/CNPJ) are validated with python-stdnum and
stored as digits only; phones as Brazilian numbers of 10 or 11 digits (area code included).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from stdnum.br import cnpj, cpf
from stdnum.exceptions import ValidationError as StdnumValidationError

from apps.accounts.selectors.authorization import Actor, ScopeKind, actor_scope
from apps.members import selectors
from apps.members.events import MemberRegistered, MemberUpdated
from apps.members.models import UF_CHOICES, Address, Consent, Member
from consorcio.access_log import record_personal_data_access
from consorcio.errors import Conflict, DomainError
from consorcio.outbox import publish

__all__ = [
    "AddressData",
    "ConsentNotGivenError",
    "InvalidAddressError",
    "InvalidDocumentError",
    "InvalidMemberDataError",
    "InvalidPhoneError",
    "MemberDocumentTakenError",
    "add_address",
    "add_phone",
    "give_consent",
    "normalize_document",
    "normalize_phone",
    "open_member_record",
    "register_member",
    "remove_address",
    "remove_phone",
    "revoke_consent",
    "set_primary_address",
    "update_member",
]

_NON_DIGITS = re.compile(r"\D")
_UFS = {uf for uf, _label in UF_CHOICES}
UPDATABLE_FIELDS = (
    "name",
    "birth_date",
    "email",
    "phones",
    "monthly_income",
    "refuses_disclosure",
)


class InvalidDocumentError(DomainError):
    """The CPF or CNPJ is not a valid number (check digits, length)."""

    code = "invalid_document"
    status = 422
    title = "Documento inválido"


class MemberDocumentTakenError(Conflict):
    """Another member already has this CPF/CNPJ."""

    code = "member_document_taken"
    title = "Documento já cadastrado"
    default_detail = "Já existe um consorciado com este CPF/CNPJ."


class InvalidPhoneError(DomainError):
    """A phone is not a Brazilian number with area code."""

    code = "invalid_phone"
    title = "Telefone inválido"


class InvalidAddressError(DomainError):
    """An address misses a field, has an unknown UF or a CEP without 8 digits."""

    code = "invalid_address"
    title = "Endereço inválido"


class InvalidMemberDataError(DomainError):
    """A member field breaks a rule (negative income, empty name)."""

    code = "invalid_member_data"
    title = "Dados do consorciado inválidos"


class ConsentNotGivenError(DomainError):
    """There is no consent in force for this purpose to revoke."""

    code = "consent_not_given"
    status = 409
    title = "Consentimento inexistente"


@dataclass(frozen=True)
class AddressData:
    """An address as given by a form or an API call (validated by the services)."""

    street: str
    number: str
    district: str
    city: str
    uf: str
    cep: str
    complement: str = ""
    is_primary: bool = False


def normalize_document(kind: str, raw: str) -> str:
    """The CPF (PF) or CNPJ (PJ) as digits only; raises `InvalidDocumentError` if invalid.

    Masks (``123.456.789-09``) and spaces are accepted on input.
    """
    digits = _NON_DIGITS.sub("", raw or "")
    validator, label = (cpf, "CPF") if kind == Member.Kind.PERSON else (cnpj, "CNPJ")
    if kind not in Member.Kind.values:
        raise InvalidDocumentError("Tipo de consorciado inválido (use PF ou PJ).")
    if digits and len(set(digits)) == 1:
        # 111.111.111-11 passes the check digits but is no one's number.
        raise InvalidDocumentError(f"{label} inválido: confira os dígitos.")
    try:
        return str(validator.validate(digits))
    except StdnumValidationError:
        raise InvalidDocumentError(f"{label} inválido: confira os dígitos.") from None


def normalize_phone(raw: str) -> str:
    """A Brazilian phone as digits: area code (11-99) and 8 digits, or 9 digits for mobiles.

    A leading country code 55 is dropped. Raises `InvalidPhoneError`.
    """
    digits = _NON_DIGITS.sub("", raw or "")
    if len(digits) in (12, 13) and digits.startswith("55"):
        digits = digits[2:]
    valid = (
        len(digits) in (10, 11)
        and digits[0] != "0"
        and digits[1] != "0"
        and (len(digits) == 10 or digits[2] == "9")
    )
    if not valid:
        raise InvalidPhoneError(f"Telefone inválido: {raw}. Use DDD + número, ex. (11) 91234-5678.")
    return digits


def clean_address(data: AddressData) -> dict[str, Any]:
    """Validate an address (CEP of 8 digits, a real UF, the required parts) and normalise it.

    Shared by registration, new addresses and the file importer, so every path refuses the
    same addresses with the same Portuguese message.
    """
    cep = _NON_DIGITS.sub("", data.cep or "")
    if len(cep) != 8:
        raise InvalidAddressError("CEP inválido: deve ter 8 dígitos.")
    uf = (data.uf or "").upper()
    if uf not in _UFS:
        raise InvalidAddressError(f"UF inválida: {data.uf}.")
    required = {"logradouro": data.street, "número": data.number, "bairro": data.district}
    required["cidade"] = data.city
    missing = [label for label, value in required.items() if not (value or "").strip()]
    if missing:
        raise InvalidAddressError(f"Endereço incompleto: informe {', '.join(missing)}.")
    return {
        "street": data.street.strip(),
        "number": data.number.strip(),
        "complement": (data.complement or "").strip(),
        "district": data.district.strip(),
        "city": data.city.strip(),
        "uf": uf,
        "cep": cep,
    }


def check_member_values(*, name: str, monthly_income: Decimal) -> None:
    """Refuse an empty name or a negative declared income (registration, edits, imports)."""
    if not name.strip():
        raise InvalidMemberDataError("Informe o nome do consorciado.")
    if monthly_income < 0:
        raise InvalidMemberDataError("A renda mensal não pode ser negativa.")


def register_member(
    *,
    actor: Actor,
    kind: str,
    document: str,
    name: str,
    birth_date: date | None = None,
    email: str = "",
    phones: Sequence[str] = (),
    monthly_income: Decimal = Decimal("0.00"),
    refuses_disclosure: bool = False,
    addresses: Sequence[AddressData] = (),
) -> Member:
    """Register a member brought in by ``actor`` (its channel/representative own the record).

    The first address is primary unless another is marked. A document already registered is
    refused with ``member_document_taken`` (409), also when two registrations race (the unique
    index decides; the loser sees the same error). Publishes `MemberRegistered`.
    """
    digits = normalize_document(kind, document)
    check_member_values(name=name, monthly_income=monthly_income)
    clean_phones = [normalize_phone(phone) for phone in phones]
    clean_addresses = [clean_address(address) for address in addresses]
    primary = next((i for i, a in enumerate(addresses) if a.is_primary), 0)
    scope = actor_scope(actor)
    channel_id = scope.channel_id if scope.kind is not ScopeKind.ALL else None
    representative_id = scope.representative_id if scope.kind is not ScopeKind.ALL else None
    member = Member(
        kind=kind,
        document=digits,
        name=name.strip(),
        birth_date=birth_date,
        email=(email or "").strip(),
        phones=clean_phones,
        monthly_income=monthly_income,
        refuses_disclosure=refuses_disclosure,
        sales_channel_id=channel_id,
        sales_representative_id=representative_id,
    )
    with transaction.atomic():
        if Member.objects.filter(document=digits).exists():
            raise MemberDocumentTakenError()
        try:
            with transaction.atomic():
                member.save()
        except IntegrityError:
            raise MemberDocumentTakenError() from None
        Address.objects.bulk_create(
            Address(member=member, is_primary=index == primary, **fields)
            for index, fields in enumerate(clean_addresses)
        )
        publish(
            MemberRegistered(
                member_id=member.pk,
                kind=kind,
                sales_channel_id=channel_id,
                sales_representative_id=representative_id,
            )
        )
    return member


def update_member(*, member: Member, **changes: Any) -> Member:
    """Change the member's editable fields (`UPDATABLE_FIELDS`); kind and document never change.

    Only fields whose value differs are saved; publishes `MemberUpdated` naming them (nothing
    when nothing changed).
    """
    unknown = set(changes) - set(UPDATABLE_FIELDS)
    if unknown:
        raise InvalidMemberDataError(f"Campos não alteráveis: {', '.join(sorted(unknown))}.")
    if "phones" in changes:
        changes["phones"] = [normalize_phone(phone) for phone in changes["phones"]]
    if "name" in changes:
        changes["name"] = str(changes["name"]).strip()
    with transaction.atomic():
        locked = Member.objects.select_for_update().get(pk=member.pk)
        changed = [field for field, value in changes.items() if getattr(locked, field) != value]
        for field in changed:
            setattr(locked, field, changes[field])
        check_member_values(name=locked.name, monthly_income=locked.monthly_income)
        if changed:
            locked.save(update_fields=[*changed, "updated_at"])
            publish(MemberUpdated(member_id=locked.pk, fields=tuple(sorted(changed))))
    return locked


def add_address(*, member: Member, address: AddressData) -> Address:
    """Add an address; it becomes primary when marked so or when it is the member's first."""
    fields = clean_address(address)
    with transaction.atomic():
        Member.objects.select_for_update().filter(pk=member.pk).first()
        has_primary = Address.objects.filter(member=member, is_primary=True).exists()
        make_primary = address.is_primary or not has_primary
        if make_primary and has_primary:
            Address.objects.filter(member=member, is_primary=True).update(is_primary=False)
        created = Address.objects.create(member=member, is_primary=make_primary, **fields)
        publish(MemberUpdated(member_id=member.pk, fields=("addresses",)))
    return created


def set_primary_address(*, address: Address) -> Address:
    """Make this address the member's primary one (the former primary stops being it)."""
    with transaction.atomic():
        Member.objects.select_for_update().filter(pk=address.member_id).first()
        Address.objects.filter(member_id=address.member_id, is_primary=True).exclude(
            pk=address.pk
        ).update(is_primary=False)
        Address.objects.filter(pk=address.pk).update(is_primary=True)
        publish(MemberUpdated(member_id=address.member_id, fields=("addresses",)))
    address.refresh_from_db()
    return address


def remove_address(*, address: Address) -> None:
    """Remove an address; removing the primary one makes the oldest remaining one primary.

    A member may be left without addresses (imports and the API allow it too).
    """
    with transaction.atomic():
        Member.objects.select_for_update().filter(pk=address.member_id).first()
        deleted, _ = Address.objects.filter(pk=address.pk).delete()
        if not deleted:
            return
        remaining = Address.objects.filter(member_id=address.member_id)
        if not remaining.filter(is_primary=True).exists():
            oldest = remaining.order_by("pk").first()
            if oldest is not None:
                remaining.filter(pk=oldest.pk).update(is_primary=True)
        publish(MemberUpdated(member_id=address.member_id, fields=("addresses",)))


def add_phone(*, member: Member, phone: str) -> Member:
    """Add a phone (validated, stored as digits); one already on the record is kept once."""
    digits = normalize_phone(phone)
    with transaction.atomic():
        locked = Member.objects.select_for_update().get(pk=member.pk)
        if digits in locked.phones:
            return locked
        locked.phones = [*locked.phones, digits]
        locked.save(update_fields=["phones", "updated_at"])
        publish(MemberUpdated(member_id=locked.pk, fields=("phones",)))
    return locked


def remove_phone(*, member: Member, phone: str) -> Member:
    """Remove a phone (given with or without its mask); an absent phone changes nothing."""
    digits = _NON_DIGITS.sub("", phone or "")
    with transaction.atomic():
        locked = Member.objects.select_for_update().get(pk=member.pk)
        if digits not in locked.phones:
            return locked
        locked.phones = [p for p in locked.phones if p != digits]
        locked.save(update_fields=["phones", "updated_at"])
        publish(MemberUpdated(member_id=locked.pk, fields=("phones",)))
    return locked


def _actor_id(actor: Actor | None) -> int | None:
    return actor.pk if actor is not None and actor.is_authenticated else None


def give_consent(
    *, member: Member, purpose: str, text_version: str, actor: Actor | None
) -> Consent:
    """Record the member's consent for ``purpose`` under ``text_version``.

    A consent in force for the same purpose and version is returned as is; one under another
    version is revoked and replaced (the member agreed to the new text).
    """
    purpose, text_version = purpose.strip(), text_version.strip()
    if not purpose or not text_version:
        raise InvalidMemberDataError("Informe a finalidade e a versão do texto do consentimento.")
    by = _actor_id(actor)
    with transaction.atomic():
        Member.objects.select_for_update().filter(pk=member.pk).first()
        current = Consent.objects.filter(member=member, purpose=purpose, revoked_at=None).first()
        if current is not None and current.text_version == text_version:
            return current
        now = timezone.now()
        if current is not None:
            current.revoked_at, current.revoked_by_id = now, by
            current.save(update_fields=["revoked_at", "revoked_by"])
        return Consent.objects.create(
            member=member, purpose=purpose, text_version=text_version, given_at=now, given_by_id=by
        )


def revoke_consent(*, member: Member, purpose: str, actor: Actor | None) -> Consent:
    """Revoke the consent in force for ``purpose``; refused when there is none."""
    by = _actor_id(actor)
    with transaction.atomic():
        current = (
            Consent.objects.select_for_update()
            .filter(member=member, purpose=purpose.strip(), revoked_at=None)
            .first()
        )
        if current is None:
            raise ConsentNotGivenError(f"Não há consentimento vigente para “{purpose}”.")
        current.revoked_at, current.revoked_by_id = timezone.now(), by
        current.save(update_fields=["revoked_at", "revoked_by"])
    return current


def open_member_record(*, actor: Actor, member_id: int, purpose: str) -> Member | None:
    """A member's full record for ``actor`` (``None`` outside its scope), logging the read.

    Writes a personal-data access entry (who, when, which fields, why) through the kernel;
    the document counts as read only when the actor may see it unmasked.
    """
    member = selectors.member_record(actor, member_id)
    if member is None:
        return None
    fields = [
        field
        for field in selectors.RECORD_FIELDS
        if field != "document" or selectors.may_see_personal_data(actor)
    ]
    record_personal_data_access(
        actor=actor if actor.is_authenticated else None,
        subject_type="members.member",
        subject_id=member.pk,
        fields=fields,
        purpose=purpose,
    )
    return member
