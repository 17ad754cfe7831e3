"""Staff pages of the kernel: the user's long jobs, each with its live progress.

Who may see a job follows the job API (``consorcio.api``): the user who started it, or an
``is_staff`` user; anyone else gets 404, as for a job that does not exist.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib import messages
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views import View, defaults
from django.views.generic import TemplateView

from consorcio.errors import NotFound, PermissionDenied, problem_response
from consorcio.jobs import TERMINAL_STATES, JobAlreadyFinished, cancel_job
from consorcio.jobs.selectors import jobs_started_by, visible_jobs
from consorcio.models import Job
from consorcio.ui import (
    ChoiceFilter,
    Column,
    ListPageView,
    StaffPageMixin,
    hx_toast,
    is_htmx,
    progress_context,
)


def _job_or_404(request: HttpRequest, job_id: UUID) -> Job:
    job = visible_jobs(request.user).filter(pk=job_id).first()
    if job is None:
        raise Http404("Tarefa não encontrada.")
    return job


def _job_link(job: Job) -> str:
    return reverse("jobs-page", args=[job.pk])


class JobListView(ListPageView):
    """``/tarefas/``: the jobs the user started, newest first, searchable and filterable."""

    template_name = "consorcio/job_list.html"
    table_id = "jobs"
    columns = (
        Column("description", "Descrição", sort="description", link=_job_link),
        Column("kind", "Tipo", sort="kind"),
        Column("state", "Situação", sort="state", format="choice"),
        Column("progress_label", "Progresso", numeric=True),
        Column("created_at", "Criada em", sort="created_at", format="data_hora"),
    )
    search_fields = ("description", "kind")
    search_placeholder = "Buscar por descrição ou tipo"
    filters = (ChoiceFilter("situacao", "Situação", Job.State.choices, lookup="state"),)
    default_sort = "-created_at"
    paginate_by = 20
    empty_message = "Você ainda não iniciou nenhuma tarefa longa."
    empty_hint = "Importações, cobranças e relatórios aparecem aqui enquanto são processados."

    def get_queryset(self) -> QuerySet[Job]:
        """Only the user's own jobs (``is_staff`` users watch others' from their pages)."""
        return jobs_started_by(self.request.user)

    def get_table(self) -> Any:
        """The table, each row carrying a ``progress_label`` ("3 de 10")."""
        table = super().get_table()
        for job in table.page_obj.object_list:
            job.progress_label = f"{job.done} de {job.total}" if job.total else ""
        return table


class JobPageView(StaffPageMixin, TemplateView):
    """``/tarefas/<id>/``: one job with its live progress component and a cancel button."""

    template_name = "consorcio/job_detail.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        """The job (404 if not visible) and whether it can still be cancelled."""
        context = super().get_context_data(**kwargs)
        job = _job_or_404(self.request, kwargs["job_id"])
        context.update(job=job, can_cancel=job.state not in TERMINAL_STATES)
        return context


class JobProgressView(StaffPageMixin, View):
    """``/tarefas/<id>/progresso/``: the progress partial the component polls.

    When a poll (htmx) sees the job over, the response also triggers a toast.
    """

    def get(self, request: HttpRequest, job_id: UUID) -> HttpResponse:
        """Render ``components/progress.html`` for the job."""
        job = _job_or_404(request, job_id)
        context = progress_context(job)
        response = render(request, "components/progress.html", context)
        if is_htmx(request) and context["finished"]:
            text, level = {
                Job.State.SUCCEEDED: ("Tarefa concluída.", "success"),
                Job.State.FAILED: ("A tarefa falhou.", "error"),
                Job.State.CANCELLED: ("Tarefa cancelada.", "warning"),
            }[Job.State(job.state)]
            hx_toast(response, f"{text} {job.description}".strip(), level)  # type: ignore[arg-type]
        return response


class JobCancelView(StaffPageMixin, View):
    """``POST /tarefas/<id>/cancelar/``: cancel a job that has not ended (htmx or plain form).

    htmx gets the refreshed progress partial and a toast; a plain POST is redirected back to
    the job's page with a message.
    """

    def post(self, request: HttpRequest, job_id: UUID) -> HttpResponse:
        """Cancel the job; an already finished job is left as it is and says so."""
        job = _job_or_404(request, job_id)
        try:
            job = cancel_job(job, reason=f"Solicitado por {request.user}.")
            text, level = "Tarefa cancelada.", "success"
        except JobAlreadyFinished:
            job.refresh_from_db()
            text, level = "A tarefa já havia terminado; nada foi cancelado.", "warning"
        if is_htmx(request):
            response = render(request, "components/progress.html", progress_context(job))
            hx_toast(response, text, level)  # type: ignore[arg-type]
            return response
        getattr(messages, level)(request, text)
        return redirect("jobs-page", job_id=job.pk)


# --- Error handlers (config/urls.py handler403/404/500) ---------------------------------
# Pages get the Portuguese templates (templates/403.html, 404.html, 500.html); paths under
# /api/ get problem+json like every other API answer.


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """404: ``templates/404.html``, or problem+json ``not_found`` under /api/."""
    if _is_api(request):
        return problem_response(
            status=404,
            code=NotFound.code,
            title=NotFound.title,
            detail="O endereço solicitado não existe nesta API.",
            request=request,
        )
    return defaults.page_not_found(request, exception)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    """403: ``templates/403.html``, or problem+json ``permission_denied`` under /api/."""
    if _is_api(request):
        return problem_response(
            status=403,
            code=PermissionDenied.code,
            title=PermissionDenied.title,
            detail=PermissionDenied.default_detail,
            request=request,
        )
    return defaults.permission_denied(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    """500: ``templates/500.html`` rendered with no request context and no database access."""
    if _is_api(request):
        return problem_response(
            status=500,
            code="internal_error",
            title="Erro interno",
            detail="Ocorreu um erro inesperado. Informe o request_id ao suporte.",
            request=request,
        )
    return defaults.server_error(request)
