"""``POST /api/v1/pix/webhook/``: the PSP's PIX notifications (``services.pix_webhook``).

No session or token: the caller is authenticated by an HMAC-SHA256 signature over timestamp
and body (``X-Pix-Timestamp``, ``X-Pix-Signature``) and, at the ingress, by mutual TLS.
Answers 200 with the end-to-end ids applied, repeated and with an unknown txid (all
acknowledged, so the PSP stops retrying). Refusals are problems: 401
``pix_webhook_signature_invalid`` / ``pix_webhook_timestamp_stale``, 400
``pix_webhook_malformed`` (an unset ``PIX_WEBHOOK_SECRET`` refuses every call as unsigned).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.authentication import BaseAuthentication
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle, BaseThrottle
from rest_framework.views import APIView

from apps.finance.services import pix_webhook

TAG = "Pagamentos"


class PixWebhookThrottle(AnonRateThrottle):
    """Per address, generous: a PSP delivers bursts; the signature is the real gate."""

    scope = "pix_webhook"
    rate = "1200/minute"


class PixWebhookView(APIView):
    """Receive the PSP's ``{"pix": [...]}`` callback and apply each PIX once."""

    authentication_classes: Sequence[type[BaseAuthentication]] = ()
    permission_classes = [AllowAny]
    throttle_classes: Sequence[type[BaseThrottle]] = (PixWebhookThrottle,)
    problem_statuses: ClassVar[tuple[int, ...]] = (400, 401, 409, 422)

    @extend_schema(
        tags=[TAG],
        summary="Webhook PIX (PSP)",
        request=OpenApiTypes.OBJECT,
        responses={200: OpenApiTypes.OBJECT},
        parameters=[
            OpenApiParameter(
                pix_webhook.TIMESTAMP_HEADER,
                OpenApiTypes.STR,
                OpenApiParameter.HEADER,
                required=True,
                description="Horário Unix (segundos) da assinatura.",
            ),
            OpenApiParameter(
                pix_webhook.SIGNATURE_HEADER,
                OpenApiTypes.STR,
                OpenApiParameter.HEADER,
                required=True,
                description="sha256=<hex> do HMAC-SHA256 de '<horário>.<corpo>'.",
            ),
        ],
    )
    def post(self, request: Request) -> Response:
        """Verify the signature over the raw body, then apply every PIX of the call."""
        outcome = pix_webhook.handle_webhook(
            body=request.body,
            timestamp=request.headers.get(pix_webhook.TIMESTAMP_HEADER),
            signature=request.headers.get(pix_webhook.SIGNATURE_HEADER),
        )
        return Response(
            {
                "applied": outcome.applied,
                "repeated": outcome.repeated,
                "unknown_txid": outcome.unknown_txid,
            }
        )
