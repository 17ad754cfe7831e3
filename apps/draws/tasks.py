"""Celery tasks of the draws context: thin wrappers around services.

Importing this module registers the results computation's job kind, so every worker (which
imports the tasks modules at start-up) can run its chunk.
"""

from __future__ import annotations

from celery import shared_task
from django.contrib.auth import get_user_model

from apps.draws import selectors
from apps.draws.services import assemblies, awards, result_jobs
from apps.draws.services.results import ResultsAlreadyComputed, compute_results
from consorcio.errors import DomainError
from consorcio.jobs import add_job_message, fail_job, register_job_kind
from consorcio.models import JobChunk


def compute_results_chunk(chunk: JobChunk) -> int:
    """Job chunk handler: compute the assembly's results (once; a rerun finds them done).

    A business refusal (no extraction recorded, wrong state) fails the job with its
    Portuguese message instead of retrying: trying again would not change the answer.
    """
    assembly = selectors.assembly(int(chunk.payload["assembly"]))
    actor_id = chunk.payload.get("actor")
    actor = get_user_model().objects.filter(pk=actor_id).first() if actor_id else None

    def say(text: str) -> None:
        add_job_message(chunk.job, "info", text)

    try:
        compute_results(assembly=assembly, actor=actor, progress=say)
    except ResultsAlreadyComputed:
        add_job_message(chunk.job, "info", "O resultado desta assembleia já estava apurado.")
    except DomainError as refused:
        fail_job(chunk.job, error=refused.detail)
    return 1


# Not atomic: compute_results holds the assembly's lock around its own transaction, and a
# chunk run again after a crash finds the results computed (refused, recorded as done).
register_job_kind(result_jobs.RESULTS_JOB_KIND, compute_results_chunk, atomic=False)


@shared_task(name="apps.draws.tasks.open_and_close_due_bidding")
def open_and_close_due_bidding() -> dict[str, int]:
    """Beat, every few minutes: open the bidding of assemblies whose bidding is due and close
    the bidding of those past their closing time (the group's cut-off rule, A5/A8)."""
    opened = assemblies.open_due_bidding()
    closed = assemblies.close_due_bidding()
    return {"opened": opened, "closed": closed}


@shared_task(name="apps.draws.tasks.lapse_unpaid_bids")
def lapse_unpaid_bids() -> int:
    """Beat, daily: lapse every winning bid still unpaid after its deadline (the group's
    business days, A8) and pass its award to the next ranked bid the money covered."""
    return awards.lapse_unpaid_bids()
