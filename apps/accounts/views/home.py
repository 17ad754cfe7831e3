"""The staff home page ("Início"): the user's recent long jobs and shortcuts by role."""

from __future__ import annotations

from typing import Any

from django.views.generic import TemplateView

from apps.accounts.navigation import user_role_names
from apps.accounts.roles import Role
from consorcio.jobs.selectors import jobs_started_by
from consorcio.ui import StaffPageMixin

RECENT_JOBS = 5


class HomeView(StaffPageMixin, TemplateView):
    """``/``: login required; shows the user's roles, recent jobs (live progress) and the
    pages their roles open (``nav_shortcuts`` from the navigation context processor).
    """

    template_name = "home.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        """The user's role labels and their ``RECENT_JOBS`` newest jobs."""
        context = super().get_context_data(**kwargs)
        names = user_role_names(self.request.user)
        context["role_labels"] = [role.label for role in Role if role.value in names]
        context["recent_jobs"] = list(jobs_started_by(self.request.user)[:RECENT_JOBS])
        return context
