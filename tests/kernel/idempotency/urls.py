"""Test-only endpoints behind ``@idempotent``: each success creates one user row.

Behaviour is chosen by the body, so every test reads as a client would act:
``username: "falha"`` writes then crashes (500) unless ``X-Test-Recover`` is sent;
``username: "recusar"`` writes then refuses (409 domain error); ``hold: true`` creates the row
and waits until the test sets ``RELEASE`` (signalling ``ENTERED``); ``pause`` sleeps that long.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from django.urls import path
from rest_framework import serializers
from rest_framework.authentication import BasicAuthentication, SessionAuthentication
from rest_framework.decorators import api_view
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.models import User
from consorcio.errors import Conflict
from consorcio.idempotency import idempotent

ENTERED = threading.Event()
RELEASE = threading.Event()


class NewUser(serializers.Serializer[Any]):
    username = serializers.CharField(max_length=150)
    hold = serializers.BooleanField(default=False)
    pause = serializers.FloatField(default=0.0, max_value=2.0)


def create_user(request: Request) -> Response:
    data = NewUser(data=request.data)
    data.is_valid(raise_exception=True)
    username = data.validated_data["username"]
    user = User.objects.create(username=username)
    if username == "falha" and "X-Test-Recover" not in request.headers:
        raise RuntimeError("crashed after writing")
    if username == "recusar":
        raise Conflict("Usuário recusado pela regra de teste.")
    if data.validated_data["hold"]:
        ENTERED.set()
        RELEASE.wait(timeout=15)
    time.sleep(data.validated_data["pause"])
    return Response({"id": user.pk, "username": user.username}, status=201)


class OptionalKey(APIView):
    authentication_classes = [SessionAuthentication, BasicAuthentication]

    @idempotent
    def post(self, request: Request) -> Response:
        return create_user(request)


class RequiredKey(APIView):
    @idempotent(required=True)
    def post(self, request: Request) -> Response:
        return create_user(request)


@api_view(["POST"])
@idempotent
def function_view(request: Request) -> Response:
    return create_user(request)


urlpatterns = [
    path("users", OptionalKey.as_view()),
    path("users-required", RequiredKey.as_view()),
    path("users-function", function_view),
]
