"""``/api/v1/quota-versions/<id>/{installments,charges,statement}/``: a quota version's
installments, charges (with linha digitável and PIX payload) and statement (extrato).

Readers: roles with ``finance.view_installment`` (installments, statement) or
``finance.view_charge`` (charges); the quota version must lie in the caller's scope (a
channel-scoped caller sees its channel's sales only; others answer 404 ``quota_not_found``).
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.finance.api.statement_serializers import (
    ChargeSerializer,
    InstallmentSerializer,
    StatementSerializer,
)
from apps.finance.selectors import statements
from apps.groups import selectors as group_selectors
from consorcio.errors import NotFound, PermissionDenied

TAG = "Extrato"


class QuotaNotFound(NotFound):
    code = "quota_not_found"
    title = "Cota não encontrada"
    default_detail = "A cota (versão) informada não existe ou está fora do seu alcance."


class _QuotaVersionView(APIView):
    """Base: the permission named by ``permission`` and the scoped quota version."""

    permission_classes = [IsAuthenticated]
    permission: ClassVar[str] = "finance.view_installment"

    def version(self, request: Request, pk: int) -> Any:
        if not request.user.has_perm(self.permission):
            raise PermissionDenied()
        version = group_selectors.scoped_quota_versions(request.user).filter(pk=pk).first()
        if version is None:
            raise QuotaNotFound()
        return version


class QuotaInstallmentsView(_QuotaVersionView):
    @extend_schema(
        tags=[TAG],
        summary="Parcelas de uma cota",
        responses={200: InstallmentSerializer(many=True)},
    )
    def get(self, request: Request, pk: int) -> Response:
        """The installments of the quota version's schedule, by number."""
        version = self.version(request, pk)
        rows = statements.version_installments(version.pk)
        return Response(InstallmentSerializer(rows, many=True).data)


class QuotaChargesView(_QuotaVersionView):
    permission = "finance.view_charge"

    @extend_schema(
        tags=[TAG],
        summary="Cobranças de uma cota (boleto e PIX)",
        responses={200: ChargeSerializer(many=True)},
    )
    def get(self, request: Request, pk: int) -> Response:
        """The charges of the quota version, oldest due date first."""
        version = self.version(request, pk)
        rows = statements.version_charges(version.pk)
        return Response(ChargeSerializer(rows, many=True).data)


class QuotaStatementView(_QuotaVersionView):
    @extend_schema(tags=[TAG], summary="Extrato de uma cota", responses={200: StatementSerializer})
    def get(self, request: Request, pk: int) -> Response:
        """Paid and owed per component (fractions and Reais), installments and charges."""
        version = self.version(request, pk)
        statement = statements.quota_statement(
            quota_version_id=version.pk, group=version.quota.group, on=timezone.localdate()
        )
        return Response(StatementSerializer(statement).data)
