"""The kernel's read API: the progress of a long-running job, polled by the UI."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from consorcio.errors import NotFound
from consorcio.jobs.selectors import visible_jobs
from consorcio.models import Job, JobMessage

MESSAGES_SHOWN = 20


def job_progress(job: Job) -> dict[str, Any]:
    """The JSON the progress component reads: state, done/total, percent, last messages.

    ``percent`` is whole (rounded down, so 100 only when all is done); a succeeded job reads
    100 even when its handlers processed fewer items than planned, and a job with no total yet
    reads 0 until it ends.
    """
    if job.state == Job.State.SUCCEEDED:
        percent = 100
    elif job.total:
        percent = min(100, job.done * 100 // job.total)
    else:
        percent = 0
    recent = list(
        JobMessage.objects.filter(job=job)
        .order_by("-created_at", "-id")
        .values("level", "text", "created_at")[:MESSAGES_SHOWN]
    )
    recent.reverse()
    return {
        "id": str(job.pk),
        "kind": job.kind,
        "description": job.description,
        "state": job.state,
        "done": job.done,
        "total": job.total,
        "percent": percent,
        "messages": [
            {"level": m["level"], "text": m["text"], "created_at": m["created_at"].isoformat()}
            for m in recent
        ],
        "result_url": job.result_url or None,
        "error": job.error or None,
        "created_at": job.created_at.isoformat(),
        "started_at": job.started_at.isoformat() if job.started_at else None,
        "finished_at": job.finished_at.isoformat() if job.finished_at else None,
    }


class JobDetailView(APIView):
    """``GET /api/v1/jobs/<id>/``: a job's progress, for the user who started it or staff.

    Anyone else gets 404, the same answer as for a job that does not exist, so job ids do not
    leak whether they exist.
    """

    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="jobs_retrieve",
        summary="Progresso de uma tarefa longa",
        responses=inline_serializer(
            "JobProgress",
            {
                "id": serializers.UUIDField(),
                "kind": serializers.CharField(),
                "description": serializers.CharField(),
                "state": serializers.ChoiceField(choices=Job.State.choices),
                "done": serializers.IntegerField(),
                "total": serializers.IntegerField(),
                "percent": serializers.IntegerField(min_value=0, max_value=100),
                "messages": serializers.ListField(
                    child=inline_serializer(
                        "JobProgressMessage",
                        {
                            "level": serializers.ChoiceField(choices=JobMessage.Level.choices),
                            "text": serializers.CharField(),
                            "created_at": serializers.DateTimeField(),
                        },
                    )
                ),
                "result_url": serializers.CharField(allow_null=True),
                "error": serializers.CharField(allow_null=True),
                "created_at": serializers.DateTimeField(),
                "started_at": serializers.DateTimeField(allow_null=True),
                "finished_at": serializers.DateTimeField(allow_null=True),
            },
        ),
    )
    def get(self, request: Request, job_id: UUID) -> Response:
        """Answer the job's progress (see ``job_progress``)."""
        job = visible_jobs(request.user).filter(pk=job_id).first()
        if job is None:
            raise NotFound("Tarefa não encontrada.")
        return Response(job_progress(job))
