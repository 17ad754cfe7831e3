"""Staff pages of the reports context: the dashboard (``/painel/``) and the home page with it.

The home page shows the user's roles, recent long jobs and shortcuts (as ``apps.accounts``
first built it) and, on top, the dashboard's figures. It is served from here because the
dashboard reads members and groups, which ``accounts`` (below them) may not.
"""

from __future__ import annotations

from typing import Any

from django.views.generic import TemplateView

from apps.accounts.roles import Role
from apps.accounts.selectors.authorization import user_roles
from apps.reports.dashboard import dashboard_context
from consorcio.jobs.selectors import jobs_started_by
from consorcio.ui import StaffPageMixin

RECENT_JOBS = 5


class DashboardView(StaffPageMixin, TemplateView):
    """``/painel/``: counts and charts of what exists now (members, groups, quotas)."""

    template_name = "reports/dashboard.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        """The dashboard parts the user's roles may read."""
        context = super().get_context_data(**kwargs)
        context["dashboard"] = dashboard_context(self.request.user)
        return context


class HomeView(StaffPageMixin, TemplateView):
    """``/``: login required; the user's roles, the dashboard parts their roles may read,
    their ``RECENT_JOBS`` newest jobs (live progress) and shortcuts (``nav_shortcuts`` from
    the navigation context processor).
    """

    template_name = "home.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        """Role labels, the dashboard and the recent jobs."""
        context = super().get_context_data(**kwargs)
        user = self.request.user
        held = user_roles(user)
        context["role_labels"] = [role.label for role in Role if role in held]
        context["recent_jobs"] = list(jobs_started_by(user)[:RECENT_JOBS])
        context["dashboard"] = dashboard_context(user)
        return context
