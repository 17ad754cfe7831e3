"""Bank agreement (convênio) staff pages: finance registers and edits agreements; the bank's
own rules, overlapping ranges and a second active agreement are refused in Portuguese next to
the field, and a refusal changes nothing."""

from __future__ import annotations

import threading

import pytest
from auditlog.models import LogEntry
from django.contrib.auth.models import Group
from django.db import connection
from django.test import Client
from django.urls import reverse

from apps.accounts.models import User
from apps.accounts.roles import Role
from apps.finance.models import BankAgreement
from apps.finance.services import bank_agreements
from apps.finance.services.boleto import mod10
from tests.groups.conftest import make_group

pytestmark = pytest.mark.django_db

LIST = reverse("finance:bank_agreement_list")
CREATE = reverse("finance:bank_agreement_create")
CNPJ = "11.222.333/0001-81"


def _signed_in(role: Role, username: str) -> tuple[Client, User]:
    user = User.objects.create_user(username=username, password="senha-de-teste")
    user.groups.add(Group.objects.get(name=role.value))
    client = Client()
    client.force_login(user)
    return client, user


@pytest.fixture
def finance() -> tuple[Client, User]:
    return _signed_in(Role.FINANCE, "financeira")


def _bradesco(**overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "group": "",
        "bank_code": "237",
        "agency": "1234",
        "account": "1234567",
        "wallet": "09",
        "agreement_code": "4455667",
        "beneficiary_name": "Administradora Exemplo",
        "beneficiary_document": CNPJ,
        "first_nosso_numero": 1,
        "last_nosso_numero": 100_000,
        "is_active": "on",
    }
    data.update(overrides)
    return data


def _terms(**overrides: object) -> bank_agreements.BankAgreementTerms:
    data = _bradesco(**overrides)
    data["group"] = data["group"] or None
    data["is_active"] = bool(data["is_active"])
    return bank_agreements.BankAgreementTerms(**data)  # type: ignore[arg-type]


def _snapshot() -> list[tuple[object, ...]]:
    return list(BankAgreement.objects.order_by("pk").values_list())


def test_finance_registers_an_agreement_and_finds_it_in_the_list(finance) -> None:
    client, user = finance
    group = make_group(actor=user, code="AUT-0900")

    response = client.post(CREATE, _bradesco(group=group.pk, pix_key="financeiro@exemplo.com.br"))

    assert response.status_code == 302
    assert response["Location"] == LIST
    agreement = BankAgreement.objects.get()
    assert (agreement.group_id, agreement.bank_code, agreement.next_nosso_numero) == (
        group.pk,
        "237",
        1,
    )
    assert agreement.beneficiary_document == "11222333000181"
    entry = LogEntry.objects.get_for_object(agreement).get()
    assert (entry.action, entry.actor_id) == (LogEntry.Action.CREATE, user.pk)
    page = client.get(LIST).content.decode()
    assert "4455667" in page
    assert "237 Bradesco" in page
    assert "AUT-0900" in page


def test_the_list_filters_by_bank_and_group_and_searches(finance) -> None:
    client, user = finance
    group = make_group(actor=user, code="IMV-0900")
    bank_agreements.create_bank_agreement(terms=_terms(agreement_code="BRAD-PADRAO"))
    bank_agreements.create_bank_agreement(
        terms=_terms(
            bank_code="756",
            agency="4133",
            account="9988",
            wallet="1",
            agreement_code="7654321",
            variant="01",
            last_nosso_numero=50_000,
            group=group,
        )
    )

    by_bank = client.get(LIST, {"banco": "756"}).content.decode()
    by_group = client.get(LIST, {"grupo": str(group.pk)}).content.decode()
    searched = client.get(LIST, {"q": "PADRAO"}).content.decode()

    assert "7654321" in by_bank
    assert "BRAD-PADRAO" not in by_bank
    assert "7654321" in by_group
    assert "BRAD-PADRAO" not in by_group
    assert "BRAD-PADRAO" in searched
    assert "7654321" not in searched


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        # BB's convênio has 4, 6 or 7 digits (the layout of services.boleto says so).
        (
            {"bank_code": "001", "account": "12345678", "wallet": "17", "agreement_code": "12345"},
            "agreement_code",
            "O convênio do Banco do Brasil deve ter 4, 6 ou 7 dígitos.",
        ),
        ({"beneficiary_document": "11.222.333/0001-80"}, "beneficiary_document", "CNPJ"),
        # Sicoob's nosso número carries 7 digits: the range cannot pass 9.999.999.
        (
            {
                "bank_code": "756",
                "agency": "4133",
                "wallet": "1",
                "agreement_code": "1234567",
                "last_nosso_numero": 10_000_000,
            },
            "last_nosso_numero",
            "9999999",
        ),
        # Caixa's modality (wallet) is 1 (registered) or 2.
        (
            {"bank_code": "104", "wallet": "3", "agreement_code": "123456"},
            "wallet",
            "modalidade",
        ),
        ({"last_nosso_numero": 0, "first_nosso_numero": 10}, "last_nosso_numero", "menor"),
        ({"variant": "nn17"}, "variant", "não tem variante"),
        ({"pix_key": "chave com espaço"}, "pix_key", "chave PIX"),
    ],
)
def test_data_that_breaks_the_banks_rules_is_refused_next_to_the_field(
    finance, overrides, field, message
) -> None:
    client, _ = finance

    response = client.post(CREATE, _bradesco(**overrides))

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors, errors
    assert any(message in text for text in errors[field]), errors[field]
    assert not BankAgreement.objects.exists()


def test_a_bank_without_a_boleto_layout_is_refused_by_the_service() -> None:
    with pytest.raises(bank_agreements.BankAgreementInvalid) as refused:
        bank_agreements.create_bank_agreement(terms=_terms(bank_code="999"))

    assert refused.value.code == "bank_agreement_invalid"
    assert "Banco não suportado" in refused.value.extra["errors"]["bank_code"][0]
    assert "237 (Bradesco)" in refused.value.detail
    assert not BankAgreement.objects.exists()


def test_itau_account_digit_must_match_agency_and_account(finance) -> None:
    client, _ = finance
    itau = {"bank_code": "341", "agency": "0057", "account": "12345", "wallet": "109"}
    right = str(mod10("0057" + "12345"))
    wrong = str((int(right) + 1) % 10)

    refused = client.post(CREATE, _bradesco(**itau, account_digit=wrong))
    accepted = client.post(CREATE, _bradesco(**itau, account_digit=right))

    assert f"esperado {right}" in refused.context["form"].errors["account_digit"][0]
    assert accepted.status_code == 302
    assert BankAgreement.objects.get().account_digit == right


def test_an_overlapping_range_at_the_same_bank_is_refused_and_changes_nothing(finance) -> None:
    client, _ = finance
    bank_agreements.create_bank_agreement(terms=_terms(first_nosso_numero=1000, is_active=""))
    before = _snapshot()

    response = client.post(CREATE, _bradesco(first_nosso_numero=100_000, last_nosso_numero=200_000))
    other_bank = client.post(
        CREATE,
        _bradesco(bank_code="033", wallet="101", agreement_code="7654321", is_active=""),
    )

    assert response.status_code == 200
    message = response.context["form"].errors["first_nosso_numero"][0]
    assert "se sobrepõe à do convênio 4455667" in message
    assert "1.000 a 100.000" in message
    assert _snapshot()[: len(before)] == before
    assert other_bank.status_code == 302  # the same numbers at another bank are fine
    assert BankAgreement.objects.count() == 2


def test_a_second_active_agreement_for_a_group_is_refused(finance) -> None:
    client, user = finance
    group = make_group(actor=user, code="MOT-0900")
    bank_agreements.create_bank_agreement(terms=_terms(group=group, last_nosso_numero=10))

    response = client.post(
        CREATE, _bradesco(group=group.pk, first_nosso_numero=11, last_nosso_numero=20)
    )

    assert "O grupo MOT-0900 já tem o convênio ativo" in response.context["form"].errors["group"][0]
    assert BankAgreement.objects.count() == 1


def test_an_agreement_that_issued_numbers_keeps_its_identity_but_may_grow(finance) -> None:
    client, _ = finance
    agreement = bank_agreements.create_bank_agreement(terms=_terms(last_nosso_numero=100))
    BankAgreement.objects.filter(pk=agreement.pk).update(next_nosso_numero=41)  # 40 issued
    edit = reverse("finance:bank_agreement_edit", args=[agreement.pk])
    before = _snapshot()

    with pytest.raises(bank_agreements.BankAgreementInvalid) as moved:
        bank_agreements.update_bank_agreement(
            agreement=agreement, terms=_terms(agency="4321", last_nosso_numero=100)
        )
    form_page = client.get(edit)
    shrunk = client.post(edit, _bradesco(last_nosso_numero=30))
    after_refusals = _snapshot()
    grown = client.post(
        edit, _bradesco(agency="4321", last_nosso_numero=500, beneficiary_name="Nova Razão")
    )

    assert "já emitiu boletos (nosso número até 40)" in moved.value.extra["errors"]["agency"][0]
    assert form_page.context["form"].fields["agency"].disabled
    assert "último já emitido (40)" in shrunk.context["form"].errors["last_nosso_numero"][0]
    assert after_refusals == before
    assert grown.status_code == 302
    agreement.refresh_from_db()
    assert (agreement.last_nosso_numero, agreement.next_nosso_numero) == (500, 41)
    assert (agreement.agency, agreement.beneficiary_name) == ("1234", "Nova Razão")
    page = client.get(edit).content.decode()
    assert "<dt>Emitidos</dt><dd>40</dd>" in page


def test_an_unused_agreement_may_move_its_range_and_its_counter_follows(finance) -> None:
    client, _ = finance
    agreement = bank_agreements.create_bank_agreement(terms=_terms(last_nosso_numero=100))

    response = client.post(
        reverse("finance:bank_agreement_edit", args=[agreement.pk]),
        _bradesco(first_nosso_numero=5000, last_nosso_numero=6000, is_active=""),
    )

    assert response.status_code == 302
    agreement.refresh_from_db()
    assert (agreement.first_nosso_numero, agreement.next_nosso_numero) == (5000, 5000)
    assert not agreement.is_active


def test_an_auditor_reads_agreements_but_cannot_register_or_edit_them() -> None:
    agreement = bank_agreements.create_bank_agreement(terms=_terms())
    client, _ = _signed_in(Role.AUDITOR, "auditora")
    edit = reverse("finance:bank_agreement_edit", args=[agreement.pk])

    listed = client.get(LIST).content.decode()
    shown = client.get(edit).content.decode()
    refused = client.post(edit, _bradesco(last_nosso_numero=5))

    assert "4455667" in listed
    assert "Novo convênio" not in listed
    main = shown.split("<main", 1)[-1].split("</main>", 1)[0]
    assert "Administradora Exemplo" in main
    assert "<form" not in main
    assert refused.status_code == 403
    assert client.post(CREATE, _bradesco()).status_code == 403
    agreement.refresh_from_db()
    assert agreement.last_nosso_numero == 100_000


def _race(*calls) -> list[object]:
    """Run the calls at the same moment in threads (own connections); their outcomes."""
    start = threading.Barrier(len(calls))
    outcomes: list[object] = []

    def run(call) -> None:
        try:
            start.wait(timeout=10)
            outcomes.append(call())
        except bank_agreements.BankAgreementInvalid as refusal:
            outcomes.append(refusal)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_concurrent_agreements_never_overlap_nor_leave_two_active_for_a_group() -> None:
    group = make_group(code="RACE-0001")
    sicoob = {"bank_code": "756", "agency": "4133", "wallet": "1", "agreement_code": "1234567"}

    # The same bank, overlapping ranges: serialised by the bank's advisory lock.
    overlap = _race(
        lambda: bank_agreements.create_bank_agreement(terms=_terms(is_active="")),
        lambda: bank_agreements.create_bank_agreement(
            terms=_terms(is_active="", first_nosso_numero=50_000, last_nosso_numero=150_000)
        ),
    )
    # Two banks for one group, both active: the database keeps one.
    active = _race(
        lambda: bank_agreements.create_bank_agreement(
            terms=_terms(group=group, first_nosso_numero=500_000, last_nosso_numero=600_000)
        ),
        lambda: bank_agreements.create_bank_agreement(
            terms=_terms(group=group, last_nosso_numero=9_000, **sicoob)
        ),
    )

    for outcomes, refusal in (
        (overlap, bank_agreements.BankAgreementRangeOverlap),
        (active, bank_agreements.BankAgreementActiveConflict),
    ):
        assert len(outcomes) == 2
        assert sum(isinstance(o, BankAgreement) for o in outcomes) == 1, outcomes
        assert sum(isinstance(o, refusal) for o in outcomes) == 1, outcomes
    assert BankAgreement.objects.filter(bank_code="237", group=None).count() == 1
    assert BankAgreement.objects.filter(group=group, is_active=True).count() == 1
