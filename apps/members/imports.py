"""Importing members from a CSV or XLSX file: validate every line, then insert in bulk.

The file has a header row with Portuguese column names (`COLUMNS`). Every line is checked with
the same rules as `services.register_member` (the services' own validators: document,
phones, address, name and income), plus duplicates inside the file and documents already
registered; errors are reported per line in Portuguese (``linha 17: CPF inválido …``; line 1
is the header). All-or-nothing by default: one bad line and nothing is written. With
``valid_only`` the good lines are imported and the others reported.

Writes go through ``COPY`` (`_copy_insert`) inside one transaction, with one
batch audit entry and ONE domain event (`MembersImported`) for the whole import: a
``MemberRegistered`` per row would put 100,000 rows in the outbox for one operator action.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import IntegrityError, connection, transaction
from django.db.models import Model

from apps.members import services
from apps.members.events import MembersImported
from apps.members.import_files import ImportFileError, read_rows
from apps.members.models import Address, Member
from consorcio.audit import record_batch_audit
from consorcio.errors import DomainError
from consorcio.outbox import publish

COLUMNS = (
    "tipo",
    "documento",
    "nome",
    "nascimento",
    "email",
    "telefones",
    "renda_mensal",
    "recusa_divulgacao",
    "cep",
    "logradouro",
    "numero",
    "complemento",
    "bairro",
    "cidade",
    "uf",
)
REQUIRED_COLUMNS = ("tipo", "documento", "nome")
ADDRESS_COLUMNS = ("cep", "logradouro", "numero", "complemento", "bairro", "cidade", "uf")
_LOOKUP_SIZE = 5_000
_PHONE_SEPARATORS = re.compile(r"[|;,/]")
_TRUE = {"s", "sim", "1", "true", "verdadeiro", "x"}
_FALSE = {"", "n", "nao", "não", "0", "false", "falso"}


@dataclass(frozen=True)
class LineError:
    """One refused line: its number in the file (header = 1) and why, in Portuguese."""

    line: int
    message: str

    def __str__(self) -> str:
        return f"linha {self.line}: {self.message}"


@dataclass
class ImportReport:
    """What an import found and did: lines read, members imported, refused lines."""

    lines: int = 0
    imported: int = 0
    errors: list[LineError] = field(default_factory=list)
    dry_run: bool = False
    import_id: str = ""  # names the audit entry and the `MembersImported` event

    @property
    def ok(self) -> bool:
        """Whether every line was valid."""
        return not self.errors


@dataclass
class ParsedLine:
    """A valid data line: its number, the unsaved member and its cleaned address fields."""

    line: int
    member: Member
    address: dict[str, Any] | None


class _LineInvalid(Exception):
    pass


def _header_map(cells: list[str]) -> dict[str, int]:
    names = [cell.strip().lower() for cell in cells]
    missing = [name for name in REQUIRED_COLUMNS if name not in names]
    if missing:
        raise ImportFileError(f"Cabeçalho sem as colunas obrigatórias: {', '.join(missing)}.")
    unknown = [name for name in names if name and name not in COLUMNS]
    if unknown:
        raise ImportFileError(f"Colunas desconhecidas no cabeçalho: {', '.join(unknown)}.")
    return {name: index for index, name in enumerate(names) if name}


def _parse_date(raw: str) -> date | None:
    raw = raw.strip()
    if not raw:
        return None
    try:
        return datetime.strptime(raw, "%d/%m/%Y").date()  # noqa: DTZ007 (a date, no time)
    except ValueError:
        raise _LineInvalid(f"data de nascimento inválida ({raw}); use dd/mm/aaaa") from None


def _parse_income(raw: str) -> Decimal:
    text = raw.strip().replace("R$", "").replace(" ", "")
    if not text:
        return Decimal("0.00")
    try:
        value = Decimal(text.replace(".", "").replace(",", "."))
    except InvalidOperation:
        raise _LineInvalid(f"renda mensal inválida ({raw}); use 1.234,56") from None
    return value.quantize(Decimal("0.01"))


def _parse_flag(raw: str) -> bool:
    text = raw.strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise _LineInvalid(f"recusa_divulgacao inválida ({raw}); use sim ou não")


def _document_message(kind: str, raw: str) -> str:
    if kind not in Member.Kind.values:
        return f"tipo inválido ({kind}); use PF ou PJ"
    label = "CPF" if kind == Member.Kind.PERSON else "CNPJ"
    return f"{label} inválido ({raw})"


def parse_line(
    line: int, cells: list[str], header: dict[str, int], width: int, channel_id: int | None
) -> ParsedLine:
    """One data line as an unsaved member and its address fields; raises `_LineInvalid`.

    Validation is the services': `services.normalize_document`, `normalize_phone`, the
    address and value checks `register_member` applies.
    """
    if len(cells) != width:
        raise _LineInvalid(f"número de colunas errado ({len(cells)}; esperado {width})")

    def get(name: str) -> str:
        index = header.get(name)
        return cells[index].strip() if index is not None else ""

    kind, raw_document = get("tipo").upper(), get("documento")
    try:
        document = services.normalize_document(kind, raw_document)
    except services.InvalidDocumentError:
        raise _LineInvalid(_document_message(kind, raw_document)) from None
    try:
        phones = [
            services.normalize_phone(phone)
            for phone in _PHONE_SEPARATORS.split(get("telefones"))
            if phone.strip()
        ]
        income = _parse_income(get("renda_mensal"))
        services.check_member_values(name=get("nome"), monthly_income=income)
        address = None
        if any(get(name) for name in ADDRESS_COLUMNS):
            address = services.clean_address(
                services.AddressData(
                    street=get("logradouro"),
                    number=get("numero"),
                    complement=get("complemento"),
                    district=get("bairro"),
                    city=get("cidade"),
                    uf=get("uf"),
                    cep=get("cep"),
                )
            )
    except DomainError as error:
        raise _LineInvalid(_lower_first(str(error.detail).rstrip("."))) from None
    member = Member(
        kind=kind,
        document=document,
        name=get("nome"),
        birth_date=_parse_date(get("nascimento")),
        email=get("email"),
        phones=phones,
        monthly_income=income,
        refuses_disclosure=_parse_flag(get("recusa_divulgacao")),
        sales_channel_id=channel_id,
    )
    return ParsedLine(line=line, member=member, address=address)


def _lower_first(text: str) -> str:
    # "Telefone inválido" -> "telefone inválido", but "UF" and "CEP" stay capitals.
    return text[:1].lower() + text[1:] if text[1:2].islower() else text


def _registered(documents: list[str]) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(documents), _LOOKUP_SIZE):
        chunk = documents[start : start + _LOOKUP_SIZE]
        found.update(Member.objects.filter(document__in=chunk).values_list("document", flat=True))
    return found


def validate_file(
    rows: Iterable[tuple[int, list[str]]],
    *,
    channel_id: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> tuple[list[ParsedLine], ImportReport]:
    """Every valid line (as unsaved members) and the report of the refused ones."""
    report = ImportReport()
    iterator = iter(rows)
    first = next(iterator, None)
    if first is None:
        raise ImportFileError("O arquivo está vazio.")
    header = _header_map(first[1])
    width = len(first[1])
    parsed: list[ParsedLine] = []
    first_line: dict[str, int] = {}
    for line, cells in iterator:
        report.lines += 1
        if progress is not None:
            progress(1)
        try:
            item = parse_line(line, cells, header, width, channel_id)
        except _LineInvalid as error:
            report.errors.append(LineError(line, str(error)))
            continue
        document = item.member.document
        if document in first_line:
            report.errors.append(
                LineError(
                    line, f"documento repetido no arquivo (igual à linha {first_line[document]})"
                )
            )
            continue
        first_line[document] = line
        parsed.append(item)
    taken = _registered([item.member.document for item in parsed])
    if taken:
        for item in parsed:
            if item.member.document in taken:
                report.errors.append(
                    LineError(item.line, f"documento já cadastrado ({item.member.document})")
                )
        parsed = [item for item in parsed if item.member.document not in taken]
    report.errors.sort(key=lambda error: error.line)
    return parsed, report


def _copy_insert(model: type[Model], objects: list[Any]) -> None:
    """Insert unsaved ``objects`` with ``COPY … FROM STDIN``, ids drawn from the sequence first.

    ``bulk_create`` spends most of an import compiling SQL in Python; COPY streams the same
    values (each field's ``pre_save`` and ``get_db_prep_save``, as Django would send them).
    Assigns ``pk`` on every object. Must run inside the caller's transaction.
    """
    if not objects:
        return
    table = model._meta.db_table
    pk = model._meta.pk
    assert pk is not None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [table, pk.column, len(objects)],
        )
        for obj, (new_id,) in zip(objects, cursor.fetchall(), strict=True):
            obj.pk = new_id
        fields = list(model._meta.concrete_fields)
        columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
        raw = cursor.cursor  # the psycopg 3 cursor under Django's wrappers
        with raw.copy(f"COPY {connection.ops.quote_name(table)} ({columns}) FROM STDIN") as copy:
            for obj in objects:
                copy.write_row(
                    [
                        field.get_db_prep_save(field.pre_save(obj, True), connection)
                        for field in fields
                    ]
                )


def import_members(
    path: Path,
    *,
    fmt: str | None = None,
    valid_only: bool = False,
    dry_run: bool = False,
    channel_id: int | None = None,
    actor: AbstractBaseUser | None = None,
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Validate the whole file, then import it (all-or-nothing unless ``valid_only``).

    Nothing is written when any line is invalid (without ``valid_only``) or on ``dry_run``.
    The members belong to ``channel_id`` (no representative). One transaction: a document
    registered by someone else meanwhile makes the unique index refuse the whole batch.
    """
    parsed, report = validate_file(read_rows(path, fmt), channel_id=channel_id, progress=progress)
    report.dry_run = dry_run
    if dry_run or not parsed or (report.errors and not valid_only):
        return report
    try:
        return _write(path, parsed, report, channel_id=channel_id, actor=actor)
    except IntegrityError:
        raise services.MemberDocumentTakenError(
            "Um dos documentos foi cadastrado por outra pessoa durante a importação; nada foi "
            "importado. Rode a importação de novo."
        ) from None


def _write(
    path: Path,
    parsed: list[ParsedLine],
    report: ImportReport,
    *,
    channel_id: int | None,
    actor: AbstractBaseUser | None,
) -> ImportReport:
    with transaction.atomic():
        members = [item.member for item in parsed]
        _copy_insert(Member, members)
        _copy_insert(
            Address,
            [
                Address(member_id=item.member.pk, is_primary=True, **item.address)
                for item in parsed
                if item.address is not None
            ],
        )
        ids = [member.pk for member in members]
        import_id = report.import_id = str(uuid.uuid4())
        record_batch_audit(
            actor=actor,
            action="members.members.imported",
            model=Member,
            count=len(members),
            details={
                "import_id": import_id,
                "file": path.name,
                "first_member_id": min(ids),
                "last_member_id": max(ids),
                "refused_lines": len(report.errors),
            },
            operation="create",
        )
        publish(
            MembersImported(
                import_id=import_id,
                count=len(members),
                first_member_id=min(ids),
                last_member_id=max(ids),
                sales_channel_id=channel_id,
            )
        )
    report.imported = len(members)
    return report
