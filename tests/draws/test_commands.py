"""``run_assembly`` takes an assembly as far as its state allows; ``verify_draw`` re-derives the
key and the winners from the stored data and names every mismatch; the beat task opens and
closes bidding on schedule."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from apps.accounts.roles import Role
from apps.draws import tasks
from apps.draws.models import AssemblyResult, AssemblyState
from apps.draws.services import assemblies, results
from tests.accounts.factories import UserFactory
from tests.draws import assembly_support as march
from tests.draws.interface_support import PRIZES, prizes_day, signed_in, upcoming_assembly

pytestmark = pytest.mark.django_db

TOOL = Path(settings.BASE_DIR) / "tools" / "verify_draw.py"


def _run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out, stderr=StringIO(), verbosity=0)
    return out.getvalue()


def _prize_options() -> list[str]:
    return ["--prizes", ",".join(PRIZES), "--concurso", "5000", "--drawn-on", f"{prizes_day()}"]


def test_run_assembly_takes_a_scheduled_assembly_to_published_results():
    assembly = upcoming_assembly(UserFactory())
    code, day = assembly.group.code, assembly.date.isoformat()

    out = _run("run_assembly", "--group", code, "--date", day, "--inline", *_prize_options())

    assembly.refresh_from_db()
    assert assembly.state == AssemblyState.RESULTS_PUBLISHED
    assert "Lances abertos." in out
    assert "Resultado apurado." in out
    assert "Chave 2; contemplações: sorteio cota 3" in out


def test_run_assembly_stops_where_asked_and_repeats_without_redoing_steps():
    assembly = upcoming_assembly(UserFactory())
    code, day = assembly.group.code, assembly.date.isoformat()

    _run("run_assembly", "--group", code, "--date", day, "--until", "close")
    again = _run("run_assembly", "--group", code, "--date", day, "--until", "close")

    assembly.refresh_from_db()
    assert assembly.state == AssemblyState.BIDDING_CLOSED
    assert "Lances abertos." not in again
    assert assembly.transitions.count() == 2


def test_run_assembly_refuses_an_unknown_group():
    with pytest.raises(CommandError, match="não encontrado"):
        _run("run_assembly", "--group", "NADA", "--date", "2026-12-10")


def test_run_assembly_documents_its_options(capsys):
    with pytest.raises(SystemExit):
        call_command("run_assembly", "--help")

    assert "--until" in capsys.readouterr().out


def _computed(actor):
    assembly = assemblies.close_bidding(
        assembly=assemblies.open_bidding(assembly=upcoming_assembly(actor))
    )
    assemblies.record_extraction(
        assembly=assembly, concurso=5000, drawn_on=prizes_day(), prizes=list(PRIZES), actor=actor
    )
    results.compute_results(assembly=assembly, actor=actor)
    return assembly


def test_verify_draw_confirms_the_stored_result():
    assembly = _computed(UserFactory())

    out = _run("verify_draw", str(assembly.pk))

    assert "[OK] chave: 2" in out
    assert "FALHOU" not in out


def test_verify_draw_names_each_mismatch_of_a_tampered_result():
    assembly = _computed(UserFactory())
    result = AssemblyResult.objects.get(assembly=assembly)
    outcome = result.outcome | {"awards": [], "key": 7}
    AssemblyResult.objects.filter(pk=result.pk).update(outcome=outcome, key=7)

    with pytest.raises(CommandError) as refused:
        _run("verify_draw", f"{assembly.group.code}:{assembly.number}")

    assert "chave" in str(refused.value)
    assert "contemplações" in str(refused.value)


def _verifiable_computed(actor, captured):
    """The March 2026 assembly of a group with the verifiable draw, its results computed."""
    group = march.draws_group(actor, electronic_draw_allowed=True)
    march.holders(group, captured, eligible=[3, 5, 8])
    march.seed_fund(group, "150000.00")
    closed = march.close(march.open_assembly(group))
    assemblies.record_extraction(
        assembly=closed,
        concurso=5001,
        drawn_on=dt.date(2026, 3, 11),  # the first extraction after the close
        prizes=list(PRIZES),
        actor=actor,
        today=dt.date(2026, 3, 12),
    )
    results.compute_results(assembly=closed, actor=actor)
    return closed


def test_verify_draw_rederives_a_verifiable_draw(django_capture_on_commit_callbacks):
    closed = _verifiable_computed(UserFactory(), django_capture_on_commit_callbacks)

    out = _run("verify_draw", str(closed.pk))

    assert "[OK] semente confere com o compromisso" in out
    assert "[OK] hash do retrato" in out
    assert "[OK] chave do sorteio verificável" in out
    assert "FALHOU" not in out


def test_the_published_document_passes_the_standard_library_script(
    django_capture_on_commit_callbacks, tmp_path
):
    closed = _verifiable_computed(UserFactory(), django_capture_on_commit_callbacks)
    client, _user = signed_in(Role.AUDITOR, "auditora")
    document = client.get(reverse("draws:verifiable_document", args=[closed.pk]))
    path = tmp_path / "sorteio.json"
    path.write_bytes(document.content)

    script = subprocess.run(
        [sys.executable, str(TOOL), str(path)], capture_output=True, text=True, check=False
    )

    assert document.status_code == 200
    assert script.returncode == 0, script.stdout + script.stderr
    assert "[OK] chave" in script.stdout
    assert "FALHOU" not in script.stdout


def test_the_beat_task_opens_due_bidding_and_closes_it_after_the_deadline():
    assembly = upcoming_assembly(UserFactory())

    opened = tasks.open_and_close_due_bidding()
    assembly.refresh_from_db()
    state_after_open = assembly.state
    closing = assembly.bid_closes_at + dt.timedelta(minutes=1)
    closed = assemblies.close_due_bidding(now=closing)

    assert opened["opened"] == 1
    assert state_after_open == AssemblyState.BIDDING_OPEN
    assert closed == 1
    assert timezone.now() < closing


def test_the_beat_schedule_runs_the_bidding_task_every_five_minutes():
    from django_celery_beat.models import PeriodicTask

    scheduled = PeriodicTask.objects.select_related("crontab").get(
        name="draws.open_and_close_bidding"
    )

    assert scheduled.task == tasks.open_and_close_due_bidding.name
    assert scheduled.enabled
    assert scheduled.crontab.minute == "*/5"


def test_the_beat_schedule_lapses_unpaid_winning_bids_every_morning():
    from django_celery_beat.models import PeriodicTask

    scheduled = PeriodicTask.objects.select_related("crontab").get(name="draws.lapse_unpaid_bids")

    assert scheduled.task == tasks.lapse_unpaid_bids.name
    assert scheduled.enabled
    assert (scheduled.crontab.hour, scheduled.crontab.minute) == ("6", "15")
