"""Admin of delinquency and exclusion proposals (imported by ``apps.finance.admin``).

Read-only: status rows are the daily job's (``services.delinquency.mark_delinquency``) and a
proposal changes state only through the services. The one action confirms proposals
(``services.exclusions.confirm_exclusion``: the groups context excludes the quota), for users
with the change permission on proposals; dismissing needs a written justification.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from apps.finance.models import DelinquencyStatus, ExclusionProposal, ExclusionProposalState
from apps.finance.services import exclusions
from consorcio.admin import ReadOnlyAdmin
from consorcio.errors import DomainError


@admin.register(DelinquencyStatus)
class DelinquencyStatusAdmin(ReadOnlyAdmin):
    list_display = (
        "group",
        "quota",
        "quota_version",
        "overdue_installments",
        "consecutive_overdue",
        "oldest_due_date",
        "days_late",
        "overdue_amount",
        "as_of",
    )
    list_filter = ("consecutive_overdue",)
    search_fields = ("group__code", "=quota__number")
    list_select_related = ("group", "quota", "quota_version")
    raw_id_fields = ("group", "quota", "quota_version")
    show_full_result_count = False


@admin.register(ExclusionProposal)
class ExclusionProposalAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "group",
        "quota",
        "state",
        "proposed_on",
        "unpaid_due_dates",
        "threshold",
        "overdue_amount",
        "decided_by",
        "decided_at",
    )
    list_filter = ("state",)
    search_fields = ("group__code", "=quota__number")
    list_select_related = ("group", "quota", "decided_by")
    raw_id_fields = ("group", "quota", "quota_version", "decided_by")
    actions = ["confirm_selected"]

    @admin.action(
        description="Confirmar a exclusão das cotas selecionadas", permissions=["confirm"]
    )
    def confirm_selected(self, request: HttpRequest, queryset: QuerySet[ExclusionProposal]) -> None:
        """Confirm each selected open proposal; report the refused ones."""
        confirmed = 0
        for proposal in queryset.filter(state=ExclusionProposalState.PROPOSED).order_by("pk"):
            try:
                exclusions.confirm_exclusion(proposal=proposal, actor=request.user)  # type: ignore[arg-type]
            except DomainError as refused:
                self.message_user(
                    request, f"Proposta {proposal.pk}: {refused.detail}", messages.ERROR
                )
            else:
                confirmed += 1
        if confirmed:
            self.message_user(request, f"{confirmed} exclusão(ões) confirmada(s).")

    def has_confirm_permission(self, request: HttpRequest) -> bool:
        """The change permission on proposals (finance staff)."""
        return request.user.has_perm("finance.change_exclusionproposal")
