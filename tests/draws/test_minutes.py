"""The minutes (ata) PDF: DOMAIN.md §9's list, in Portuguese, by quota number only, stored as
a document when the results are published."""

from __future__ import annotations

import pytest

from apps.accounts.roles import Role
from apps.accounts.services import roles
from apps.documents.services import storage
from apps.draws.models import AssemblyState, Bid
from apps.draws.services import assemblies, bids, minutes, results
from apps.groups.models import Quota
from tests.accounts.factories import UserFactory
from tests.draws.interface_support import PRIZES, prizes_day, upcoming_assembly
from tests.groups.test_contract import pdf_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def computed():
    """An assembly with two bids, the worked example's prizes, its results computed."""
    actor = UserFactory()
    assembly = assemblies.open_bidding(assembly=upcoming_assembly(actor, eligible=(3, 7, 12)))
    for number, fraction in ((7, "0.45"), (12, "0.38")):
        quota = Quota.objects.get(group=assembly.group, number=number)
        bids.place_bid(assembly=assembly, quota=quota, kind="free", fraction=fraction, actor=actor)
    closed = assemblies.close_bidding(assembly=assembly)
    assemblies.record_extraction(
        assembly=closed, concurso=5000, drawn_on=prizes_day(), prizes=list(PRIZES), actor=actor
    )
    results.compute_results(assembly=closed, actor=actor)
    return closed, actor


def test_the_minutes_list_the_extraction_key_search_awards_bids_and_money(computed):
    assembly, actor = computed

    version = minutes.issue_minutes(assembly=assembly, actor=actor)

    text = pdf_text(storage.read_verified(version))
    assert version.content_type == "application/pdf"
    assert f"Ata da assembleia geral ordinária nº {assembly.number}" in text
    assert "Concurso 5000" in text
    assert all(prize in text for prize in PRIZES)
    assert "Chave: cota 2" in text
    assert "48602 mod 12 = 2" in text  # the key's derivation
    assert "Cota 2 (chave): sem cota ativa." in text  # each step of the search
    assert "Sorteio 1 entre as cotas ativas: cota 3" in text
    assert "R$ 100.000,00" in text  # credit value of the quotas awarded
    for bid in Bid.objects.all():
        assert bid.receipt[:32] in text.replace(" ", "")  # the ranking with receipts
    assert "45,0000%" in text
    assert "38,0000%" in text
    assert "Recursos disponíveis" in text
    assert "Saldo transferido" in text
    assert "Consorciado" not in text  # quota numbers only (LGPD)


def test_publication_stores_the_minutes_as_the_assemblys_document(computed):
    assembly, actor = computed

    published = minutes.publish_with_minutes(assembly=assembly, actor=actor)

    assert published.state == AssemblyState.RESULTS_PUBLISHED
    auditor = roles.assign_roles(user=UserFactory(), roles=[Role.AUDITOR])
    stored = minutes.minutes_for(published, auditor)
    assert stored is not None
    assert stored.document.title.startswith(f"Ata da assembleia nº {assembly.number}")
    assert pdf_text(storage.read_verified(stored)).startswith("Ata da assembleia geral")


def test_minutes_are_refused_before_the_results_are_computed():
    assembly = upcoming_assembly(UserFactory())

    with pytest.raises(minutes.MinutesNotIssued):
        minutes.issue_minutes(assembly=assembly)
