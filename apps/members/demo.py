"""Demo members: 30 Brazilian members (valid CPFs/CNPJs, addresses) for `make run`.

Deterministic and without Faker (a development-only dependency): names, streets and CEPs come
from fixed lists, documents from fixed bases with their check digits computed (and checked
with python-stdnum). Every member is registered through `services.register_member`, so the
rules and the events are the real ones. A third of them are registered by the demo sales
representative (``vendas``), so the ownership scope shows at once. Idempotent: documents
already registered are skipped.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.contrib.auth import get_user_model
from stdnum.br import cnpj, cpf

from apps.accounts.selectors.authorization import Actor
from apps.members import services

DEMO_PEOPLE = (
    "Ana Beatriz Conceição", "João Pedro Araújo", "Maria Eduarda Gonçalves", "Luís Fernando Simões",
    "Júlia Magalhães Ribeiro", "Antônio Carlos Brandão", "Francisca das Chagas Lima",
    "Sérgio Guimarães Falcão", "Márcia Regina Assunção", "Cláudio Patrício Souza",
    "Lúcia Helena Galvão", "Fábio Romão Carvalho", "Vitória Alves Pereira", "Inês Barbosa Vieira",
    "Débora Fernandes Lopes", "Ígor Soares Almeida", "Tânia Rodrigues Gomes", "Raí Oliveira Santos",
    "Benedita Aparecida Silva", "Conceição Ferreira Prado", "Heloísa Cavalcanti Rêgo",
    "Caetano Bezerra Leão", "Iracema Tavares Frota", "Otávio Mourão Teixeira",
    "Sebastião Nogueira Lins",
)  # fmt: skip
DEMO_COMPANIES = (
    "Padaria Pão de Açúcar Ltda",
    "Transportes Caminhos do Sertão S.A.",
    "Clínica Odontológica Sorriso Ltda",
    "Construtora Alvorada Eireli",
    "Mercadinho São João ME",
)
# (street, district, city, UF, CEP)
DEMO_ADDRESSES = (
    ("Avenida Paulista", "Bela Vista", "São Paulo", "SP", "01310100"),
    ("Rua da Consolação", "Consolação", "São Paulo", "SP", "01302000"),
    ("Avenida Atlântica", "Copacabana", "Rio de Janeiro", "RJ", "22021001"),
    ("Rua da Bahia", "Centro", "Belo Horizonte", "MG", "30160011"),
    ("Avenida Sete de Setembro", "Centro", "Salvador", "BA", "40060001"),
    ("Rua XV de Novembro", "Centro", "Curitiba", "PR", "80020310"),
    ("Avenida Beira Mar", "Meireles", "Fortaleza", "CE", "60165121"),
    ("Rua dos Andradas", "Centro Histórico", "Porto Alegre", "RS", "90020008"),
    ("Avenida Boa Viagem", "Boa Viagem", "Recife", "PE", "51011000"),
    ("Eixo Monumental", "Asa Sul", "Brasília", "DF", "70070120"),
)
DEMO_REPRESENTATIVE_USERNAME = "vendas"


def demo_cpf(index: int) -> str:
    """The ``index``-th demo CPF (digits, valid check digits)."""
    digits = f"{(index + 1) * 37_411_093 % 1_000_000_000:09d}"
    for width in (9, 10):  # the two check digits, weights width+1 .. 2
        total = sum(int(d) * w for d, w in zip(digits, range(width + 1, 1, -1), strict=True))
        digits += str(total * 10 % 11 % 10)
    return str(cpf.validate(digits))


def demo_cnpj(index: int) -> str:
    """The ``index``-th demo CNPJ (digits, headquarters 0001, valid check digits)."""
    base = f"{(index + 1) * 9_173_311 % 100_000_000:08d}0001"
    return base + cnpj.calc_check_digits(base)


def _email(name: str, index: int) -> str:
    ascii_name = name.lower().translate(str.maketrans("áâãàéêíóôõúüç", "aaaaeeiooouuc"))
    first, *_rest, last = ascii_name.replace(".", "").split()
    return f"{first}.{last}{index}@exemplo.com.br"


def load_demo_members() -> int:
    """Register the demo members that do not exist yet; returns how many were created."""
    # Members registered by this unsaved superuser belong to no channel (the head office).
    admin_like: Actor = get_user_model()(username="demo", is_superuser=True, is_active=True)
    representative = get_user_model().objects.filter(username=DEMO_REPRESENTATIVE_USERNAME).first()
    entries = [("PF", demo_cpf(i), name) for i, name in enumerate(DEMO_PEOPLE)]
    entries += [("PJ", demo_cnpj(i), name) for i, name in enumerate(DEMO_COMPANIES)]
    created = 0
    for index, (kind, document, name) in enumerate(entries):
        street, district, city, uf, cep = DEMO_ADDRESSES[index % len(DEMO_ADDRESSES)]
        actor = representative if representative is not None and index % 3 == 0 else admin_like
        try:
            services.register_member(
                actor=actor,
                kind=kind,
                document=document,
                name=name,
                birth_date=date(1955 + index % 45, 1 + index % 12, 1 + index % 28),
                email=_email(name, index),
                phones=[f"119{8765_4321 - index * 1_013:08d}"],
                monthly_income=Decimal(3_500 + index * 1_250) + Decimal("0.50"),
                refuses_disclosure=index % 7 == 0,
                addresses=[
                    services.AddressData(
                        street=street,
                        number=str(100 + index * 17),
                        district=district,
                        city=city,
                        uf=uf,
                        cep=cep,
                    )
                ],
            )
        except services.MemberDocumentTakenError:
            continue
        created += 1
    return created
