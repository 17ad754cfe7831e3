"""Computing an assembly's results as a job with live progress (consorcio.jobs).

The staff page and ``run_assembly`` start the computation here; the job has one chunk whose
handler (``apps.draws.tasks``) calls ``results.compute_results``, the one place the results
are computed (inside the assembly's critical section and row lock; computing twice is
refused). The page shows the kernel's progress component over the job until it ends.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction
from django.urls import reverse

from apps.draws.models import Assembly, AssemblyState
from consorcio.errors import DomainError
from consorcio.jobs import plan_chunks, start_job
from consorcio.models import Job

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser

__all__ = ["RESULTS_JOB_KIND", "ResultsNotComputable", "latest_results_job", "start_results_job"]

RESULTS_JOB_KIND = "draws.compute_results"


class ResultsNotComputable(DomainError):
    """The assembly is not in the state that allows computing its results."""

    code = "assembly_results_not_computable"
    status = 409
    title = "Apuração indisponível"
    default_detail = "A apuração só pode ser feita com os lances encerrados."


def start_results_job(*, assembly: Assembly, actor: AbstractBaseUser | None = None) -> Job:
    """Plan the computation of ``assembly``'s results as a one-chunk job; returns the job.

    Refused (``assembly_results_not_computable``) unless bidding is closed; a job already
    running for the assembly is returned instead of starting another one.
    """
    if assembly.state != AssemblyState.BIDDING_CLOSED:
        raise ResultsNotComputable()
    with transaction.atomic():
        locked = Assembly.objects.select_for_update().get(pk=assembly.pk)
        running = latest_results_job(locked)
        if running is not None and running.state in (Job.State.PENDING, Job.State.RUNNING):
            return running
        job = start_job(
            kind=RESULTS_JOB_KIND,
            description=f"Apuração da assembleia nº {locked.number} do grupo {locked.group.code}",
            started_by=actor,
            params={"assembly": locked.pk},
        )
        Job.objects.filter(pk=job.pk).update(result_url=reverse("draws:detail", args=[locked.pk]))
        plan_chunks(
            job,
            [{"assembly": locked.pk, "actor": actor.pk if actor is not None else None}],
            sizes=[1],
        )
    return job


def latest_results_job(assembly: Assembly) -> Job | None:
    """The newest results job of the assembly, if any."""
    return (
        Job.objects.filter(kind=RESULTS_JOB_KIND, params__assembly=assembly.pk)
        .order_by("-created_at")
        .first()
    )
