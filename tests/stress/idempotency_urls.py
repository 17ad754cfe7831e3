"""A test-only endpoint behind ``@idempotent`` for the idempotency campaign.

``POST /items`` with ``{"item": ..., "pause": seconds, "fail": bool}`` appends one row (the
key and the item) to the campaign's effect table, which has no unique constraint, so a view
that ran twice for one key would show two rows. ``pause`` keeps the request running (so
concurrent requests with its key meet it in progress); ``fail`` crashes after writing (500,
nothing stored: the key stays free) unless the ``X-Stress-Recover`` header is sent, which the
fingerprint ignores; a blank ``item`` is refused with 400 (stored and replayed like a 201).
"""

from __future__ import annotations

import time
from typing import Any

from django.db import connection
from django.urls import path
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from consorcio.idempotency import IDEMPOTENCY_HEADER, idempotent

# Set by the campaign for its duration.
effect_table: str | None = None


class NewItem(serializers.Serializer[Any]):
    item = serializers.CharField(max_length=200)
    pause = serializers.FloatField(default=0.0, min_value=0.0, max_value=1.0)
    fail = serializers.BooleanField(default=False)


class Items(APIView):
    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]
    throttle_classes: list[Any] = []

    @idempotent(required=True)
    def post(self, request: Request) -> Response:
        data = NewItem(data=request.data)
        data.is_valid(raise_exception=True)
        if effect_table is None:
            raise RuntimeError("no idempotency campaign is running")
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {effect_table} (idempotency_key, item) VALUES (%s, %s) RETURNING id",
                [request.headers[IDEMPOTENCY_HEADER], data.validated_data["item"]],
            )
            (row_id,) = cursor.fetchone()
        time.sleep(data.validated_data["pause"])
        if data.validated_data["fail"] and "X-Stress-Recover" not in request.headers:
            raise RuntimeError("crashed after writing")
        return Response({"row": row_id, "item": data.validated_data["item"]}, status=201)


urlpatterns = [path("items", Items.as_view())]
