"""The assembly staff pages: the calendar, the assembly page through its whole life (open and
close bidding, the operator's prizes, the computation as a job, the award table, trace and
ranking, publication with the minutes), bid entry with its receipt, sealed bids and refusals."""

from __future__ import annotations

import pytest
from django.urls import reverse

from apps.accounts.roles import Role
from apps.draws import tasks  # noqa: F401 - registers the results job kind, as the worker does
from apps.draws.models import AssemblyState, Bid
from apps.draws.services import assemblies, bids, minutes
from apps.groups.models import Quota
from consorcio.models import JobChunk
from consorcio.tasks import run_job_chunk
from tests.draws.interface_support import PRIZES, prizes_day, signed_in, upcoming_assembly

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator():
    return signed_in(Role.OPERATIONS, "operadora")


@pytest.fixture
def assembly(operator):
    return upcoming_assembly(operator[1])


def _detail(client, assembly) -> str:
    response = client.get(reverse("draws:detail", args=[assembly.pk]))
    assert response.status_code == 200
    return response.content.decode()


def _post(client, name, assembly, data=None):
    return client.post(reverse(name, args=[assembly.pk]), data or {})


def _prizes_form(**overrides):
    data = {
        "concurso": "5000",
        "drawn_on": prizes_day().isoformat(),
        **{f"prize_{i}": prize for i, prize in enumerate(PRIZES, start=1)},
    }
    return {**data, **overrides}


def _run_jobs(assembly) -> None:
    """The worker's part: run the pending chunks of the results job through the task."""
    for chunk in JobChunk.objects.filter(job__params__assembly=assembly.pk, state="pending"):
        run_job_chunk(str(chunk.job_id), chunk.index)


def test_the_calendar_lists_assemblies_by_group_and_filters_by_state(operator, assembly):
    client, _user = operator

    page = client.get(reverse("draws:list")).content.decode()
    filtered = client.get(reverse("draws:list"), {"situacao": "results_published"}).content.decode()
    by_group = client.get(reverse("draws:list"), {"grupo": assembly.group_id}).content.decode()

    assert assembly.group.code in page
    assert f"{assembly.date:%d/%m/%Y}" in page
    assert "Agendada" in page
    assert "Nenhum resultado para os filtros escolhidos." in filtered
    assert f"{assembly.date:%d/%m/%Y}" in by_group


def test_an_operator_runs_the_assembly_from_bidding_to_published_minutes(
    operator, assembly, django_capture_on_commit_callbacks
):
    client, user = operator

    _post(client, "draws:transition", assembly, {"to_state": "bidding_open"})
    entry = client.post(
        reverse("draws:bid_entry", args=[assembly.pk]),
        {"quota_number": 7, "kind": "free", "expressed_as": "percent", "percent": "45"},
    )
    assert entry.status_code == 200
    receipt = Bid.objects.get(assembly=assembly).receipt
    assert receipt in entry.content.decode()
    assert "45,0000% do crédito" in entry.content.decode()
    _post(client, "draws:transition", assembly, {"to_state": "bidding_closed"})
    _post(client, "draws:extraction", assembly, _prizes_form())
    with django_capture_on_commit_callbacks(execute=False):
        started = _post(client, "draws:compute", assembly)
    assert started.status_code == 302
    running = _detail(client, assembly)
    assert 'data-testid="job-progress"' in running
    _run_jobs(assembly)

    computed = _detail(client, assembly)
    assert "Resultado apurado" in computed
    assert 'data-testid="award-table"' in computed
    # 48602 mod 12 = 2: quota 2 has no holder, the search goes on to 3 (eligible).
    assert 'data-testid="draw-key">2<' in computed
    assert "Sorteio 1: cota 3" in computed
    assert receipt in computed  # the ranking shows each bid's receipt
    assert "R$ 100.000,00" in computed
    published = _post(client, "draws:transition", assembly, {"to_state": "results_published"})
    assert published.status_code == 302
    final = _detail(client, assembly)
    assert "Resultado publicado" in final
    assert 'data-testid="minutes-download"' in final
    stored = minutes.minutes_for(assembly, user)
    assert stored is not None
    assert stored.content_type == "application/pdf"
    assert reverse("documents:version_link", args=[stored.pk]) in final


def test_bids_stay_sealed_until_the_close_for_every_role(operator, assembly):
    client, user = operator
    opened = assemblies.open_bidding(assembly=assembly)
    quota = Quota.objects.get(group=assembly.group, number=12)
    bid = bids.place_bid(assembly=opened, quota=quota, kind="free", fraction="0.3", actor=user)
    auditor, _ = signed_in(Role.AUDITOR, "auditora")

    for viewer in (client, auditor):
        page = _detail(viewer, opened)
        assert bid.receipt not in page
        assert 'data-testid="closed-bids"' not in page
        assert 'data-testid="bid-count">1<' in page

    assemblies.close_bidding(assembly=opened)
    after = _detail(auditor, opened)
    assert bid.receipt in after
    assert "30,0000%" in after


def test_wrong_prizes_are_refused_next_to_the_field_in_portuguese_and_nothing_is_recorded(
    operator, assembly
):
    client, _user = operator
    assemblies.close_bidding(assembly=assemblies.open_bidding(assembly=assembly))

    response = _post(
        client, "draws:extraction", assembly, _prizes_form(prize_2="ABC", prize_4="1234567")
    )

    assert response.status_code == 422
    page = response.content.decode()
    assert "2º prêmio" in page
    assert "aria-invalid" in page
    assembly.refresh_from_db()
    assert assembly.lottery_concurso is None


def test_a_bid_for_an_ineligible_quota_is_refused_and_nothing_is_placed(operator, assembly):
    client, _user = operator
    assemblies.open_bidding(assembly=assembly)

    response = client.post(
        reverse("draws:bid_entry", args=[assembly.pk]),
        {"quota_number": 5, "kind": "free", "expressed_as": "percent", "percent": "20"},
    )

    assert response.status_code == 422
    assert "não está apta a ofertar lance" in response.content.decode()
    assert not Bid.objects.exists()


def test_an_auditor_reads_the_assembly_but_cannot_move_it(assembly):
    auditor, _ = signed_in(Role.AUDITOR, "auditora")

    page = _detail(auditor, assembly)
    refused = _post(auditor, "draws:transition", assembly, {"to_state": "bidding_open"})

    assert "Abrir lances" not in page
    assert refused.status_code == 403
    assembly.refresh_from_db()
    assert assembly.state == AssemblyState.SCHEDULED


def test_the_extraction_is_fetched_from_the_lottery_source(operator, assembly):
    client, _user = operator
    assemblies.close_bidding(assembly=assemblies.open_bidding(assembly=assembly))

    response = _post(client, "draws:extraction", assembly, {"fetch": "1"})

    assert response.status_code == 302
    assembly.refresh_from_db()
    assert assembly.has_extraction
    assert assembly.lottery_source == "adapter"
    assert assembly.lottery_drawn_on <= assembly.date
    assert f"Concurso</dt><dd>{assembly.lottery_concurso}" in _detail(client, assembly)


def test_an_operator_cancels_an_assembly_giving_the_reason(operator, assembly):
    client, _user = operator

    without = _post(client, "draws:transition", assembly, {"to_state": "cancelled"})
    assembly.refresh_from_db()
    state_without_reason = assembly.state
    _post(
        client,
        "draws:transition",
        assembly,
        {"to_state": "cancelled", "reason": "Assembleia suspensa por decisão judicial."},
    )

    assert without.status_code == 302
    assert state_without_reason == AssemblyState.SCHEDULED
    assembly.refresh_from_db()
    assert assembly.state == AssemblyState.CANCELLED
    assert "suspensa por decisão judicial" in _detail(client, assembly)


def test_a_computation_the_services_refuse_fails_its_job_with_the_reason(
    operator, assembly, django_capture_on_commit_callbacks
):
    client, _user = operator
    assemblies.close_bidding(assembly=assemblies.open_bidding(assembly=assembly))

    with django_capture_on_commit_callbacks(execute=False):
        _post(client, "draws:compute", assembly)  # no extraction recorded yet
    _run_jobs(assembly)

    page = _detail(client, assembly)
    assert 'data-job-state="failed"' in page
    assert 'data-testid="job-error"' in page
    assembly.refresh_from_db()
    assert assembly.state == AssemblyState.BIDDING_CLOSED
    assert not hasattr(assembly, "result")
