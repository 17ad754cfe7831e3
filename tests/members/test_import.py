"""`import_members`: a CSV or XLSX file of members, validated line by line, imported in bulk."""

from __future__ import annotations

import io
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from auditlog.models import LogEntry
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import Workbook

from apps.members.models import Address, Member
from consorcio.models import OutboxEvent
from tests.accounts.factories import SalesChannelFactory
from tests.members.factories import new_cnpj, new_cpf, register

HEADER = (
    "tipo;documento;nome;nascimento;email;telefones;renda_mensal;recusa_divulgacao;"
    "cep;logradouro;numero;complemento;bairro;cidade;uf"
)


def person_line(document: str | None = None, **overrides: str) -> str:
    """A valid PF line; ``overrides`` replace columns by name."""
    cpf = document or new_cpf()
    values = {
        "tipo": "PF",
        "documento": f"{cpf[:3]}.{cpf[3:6]}.{cpf[6:9]}-{cpf[9:]}",
        "nome": "João Conceição",
        "nascimento": "15/03/1980",
        "email": "joao@example.com.br",
        "telefones": "(11) 91234-5678 | (11) 3456-7890",
        "renda_mensal": "12.345,67",
        "recusa_divulgacao": "não",
        "cep": "01310-100",
        "logradouro": "Avenida Paulista",
        "numero": "1000",
        "complemento": "ap. 12",
        "bairro": "Bela Vista",
        "cidade": "São Paulo",
        "uf": "SP",
    }
    values.update(overrides)
    return ";".join(values.values())


@pytest.fixture
def csv_file(tmp_path: Path) -> Callable[..., Path]:
    def write(*lines: str, header: str = HEADER, delimiter: str = ";") -> Path:
        path = tmp_path / "consorciados.csv"
        text = "\n".join([header, *lines]) + "\n"
        path.write_text(text.replace(";", delimiter), encoding="utf-8")
        return path

    return write


def run(path: Path, *args: str) -> str:
    out = io.StringIO()
    call_command("import_members", str(path), *args, stdout=out, verbosity=0)
    return out.getvalue()


def run_refused(path: Path, *args: str) -> str:
    out = io.StringIO()
    with pytest.raises(CommandError) as refused:
        call_command("import_members", str(path), *args, stdout=out, verbosity=0)
    assert refused.value.returncode == 1
    return out.getvalue()


@pytest.mark.embedded
@pytest.mark.django_db
def test_a_valid_csv_imports_every_member_with_its_primary_address(csv_file: Any) -> None:
    documents = [new_cpf() for _ in range(3)]
    company = new_cnpj()
    path = csv_file(
        *(person_line(doc) for doc in documents),
        person_line(company, tipo="PJ", documento=company, nome="Padaria Açaí Ltda", nascimento=""),
    )

    output = run(path)

    assert "4 consorciados importados" in output
    members = {m.document: m for m in Member.objects.filter(document__in=[*documents, company])}
    assert set(members) == {*documents, company}
    joao = members[documents[0]]
    assert joao.name == "João Conceição"
    assert joao.monthly_income == Decimal("12345.67")
    assert joao.phones == ["11912345678", "1134567890"]
    assert joao.birth_date is not None
    assert joao.birth_date.isoformat() == "1980-03-15"
    address = Address.objects.get(member=joao)
    assert (address.cep, address.uf, address.city, address.is_primary) == (
        "01310100",
        "SP",
        "São Paulo",
        True,
    )
    assert members[company].kind == "PJ"
    assert members[company].name == "Padaria Açaí Ltda"


@pytest.mark.django_db
def test_an_import_writes_one_audit_entry_and_one_event_for_the_whole_batch(
    csv_file: Any,
) -> None:
    path = csv_file(*(person_line() for _ in range(5)))
    events_before = OutboxEvent.objects.count()

    run(path)

    entry = LogEntry.objects.filter(additional_data__action="members.members.imported").get()
    assert entry.object_repr == "lote: 5 registros"
    events = OutboxEvent.objects.all()[events_before:]
    assert [(e.type, e.payload["count"]) for e in events] == [("members.import.completed", 5)]


@pytest.mark.django_db
def test_a_comma_separated_file_and_a_sales_channel_are_accepted(csv_file: Any) -> None:
    channel = SalesChannelFactory()
    document = new_cpf()
    line = person_line(document, telefones="11912345678", renda_mensal="1234.5")
    path = csv_file(line, delimiter=",")

    run(path, "--channel", channel.code)

    member = Member.objects.get(document=document)
    assert member.sales_channel_id == channel.pk
    assert member.monthly_income == Decimal("12345.00")


@pytest.mark.django_db
def test_one_malformed_line_of_each_kind_imports_nothing_and_names_every_line(
    csv_file: Any,
) -> None:
    good = new_cpf()
    path = csv_file(
        person_line(good),  # line 2
        person_line("12345678900"),  # line 3: bad CPF
        person_line(nascimento="31/02/1990"),  # line 4: bad date
        "PF;" + new_cpf() + ";Só três colunas",  # line 5: wrong column count
        person_line(uf="XX"),  # line 6: bad UF
        person_line(cep="0131"),  # line 7: bad CEP
    )

    output = run_refused(path)

    assert "linha 3: CPF inválido (123.456.789-00)" in output
    assert "linha 4: data de nascimento inválida (31/02/1990)" in output
    assert "linha 5: número de colunas errado (3; esperado 15)" in output
    assert "linha 6: UF inválida: XX" in output
    assert "linha 7: CEP inválido" in output
    assert "linha 2" not in output
    assert "Nada foi importado" in output
    assert not Member.objects.filter(document=good).exists()
    assert not LogEntry.objects.filter(additional_data__action="members.members.imported").exists()


@pytest.mark.django_db
def test_valid_only_imports_the_good_lines_and_reports_the_others(csv_file: Any) -> None:
    good = [new_cpf(), new_cpf()]
    path = csv_file(
        person_line(good[0]), person_line(email="x", telefones="123"), person_line(good[1])
    )

    output = run(path, "--valid-only")

    assert "linha 3: telefone inválido: 123" in output.lower()
    assert "2 consorciados importados" in output
    assert set(Member.objects.filter(document__in=good).values_list("document", flat=True)) == set(
        good
    )


@pytest.mark.django_db
def test_duplicates_in_the_file_and_documents_already_registered_are_reported(
    csv_file: Any,
) -> None:
    existing = register().document
    repeated, fresh = new_cpf(), new_cpf()
    path = csv_file(
        person_line(repeated), person_line(existing), person_line(fresh), person_line(repeated)
    )

    output = run_refused(path)

    assert f"linha 3: documento já cadastrado ({existing})" in output
    assert "linha 5: documento repetido no arquivo (igual à linha 2)" in output
    assert not Member.objects.filter(document__in=[repeated, fresh]).exists()
    assert Member.objects.filter(document=existing).count() == 1


@pytest.mark.django_db
def test_dry_run_reports_without_writing(csv_file: Any) -> None:
    document = new_cpf()
    path = csv_file(person_line(document))

    output = run(path, "--dry-run")

    assert "Simulação" in output
    assert "1 linhas lidas" in output
    assert not Member.objects.filter(document=document).exists()


@pytest.mark.django_db
def test_an_xlsx_file_imports_with_accents_and_dates_preserved(tmp_path: Path) -> None:
    document = new_cpf()
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(HEADER.split(";"))
    cells: list[Any] = person_line(document, nome="Conceição Araújo Ângelo").split(";")
    cells[1] = int(document)  # a spreadsheet keeps the CPF as a number
    sheet.append(cells)
    path = tmp_path / "consorciados.xlsx"
    workbook.save(path)

    run(path)

    member = Member.objects.get(document=document)
    assert member.name == "Conceição Araújo Ângelo"
    assert Address.objects.get(member=member).city == "São Paulo"


@pytest.mark.django_db
def test_a_header_without_the_required_columns_is_refused(csv_file: Any) -> None:
    path = csv_file("PF;x", header="nome;email")

    with pytest.raises(CommandError, match="colunas obrigatórias: tipo, documento"):
        run(path)
    assert not Member.objects.filter(name="PF").exists()


@pytest.mark.django_db
def test_the_demo_members_are_registered_once_a_third_by_the_partner_representative() -> None:
    from stdnum.br import cnpj, cpf

    from apps.accounts.services import demo as accounts_demo
    from apps.members import demo

    accounts_demo.load_demo_data(admin_username="admin", password="consorcio-demo")
    first = demo.load_demo_members()
    again = demo.load_demo_members()

    assert (first, again) == (30, 0)
    documents = [demo.demo_cpf(i) for i in range(25)] + [demo.demo_cnpj(i) for i in range(5)]
    members = Member.objects.filter(document__in=documents)
    assert members.count() == 30
    assert all(cpf.is_valid(d) or cnpj.is_valid(d) for d in documents)
    assert Address.objects.filter(member__in=members, is_primary=True).count() == 30
    assert members.filter(sales_channel__code="parceiro-demo").count() == 10
