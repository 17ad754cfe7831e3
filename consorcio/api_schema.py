"""The OpenAPI schema's account of the kernel's API conventions (drf-spectacular).

``ProblemAutoSchema`` (settings ``REST_FRAMEWORK["DEFAULT_SCHEMA_CLASS"]``) documents on every
operation what ``consorcio.errors`` and ``consorcio.idempotency`` make the API do:

- the ``Problem`` component (RFC 9457, ``application/problem+json``) as the answer of every
  error status the operation can produce: 500 always; 429 (with ``Retry-After``) when the view
  throttles; 401 when it authenticates; 403 unless anyone may call it; 404 for an object path
  or a list (an unknown cursor); 400, 409, 415 and 422 when it takes a body, and 400 for lists
  (a bad filter); plus any the view lists in ``problem_statuses``. Statuses the view
  documents itself are left as they are.
- the ``Idempotency-Key`` header on handlers decorated with ``@idempotent`` (required when the
  decorator says so), with 400/409/422 for the key's own refusals.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any, Final

from django.http import HttpResponse
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import ResolvedComponent
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import permissions

from consorcio.errors import PROBLEM_CONTENT_TYPE, PROBLEM_TYPE_BASE
from consorcio.idempotency import IDEMPOTENCY_HEADER, idempotent

__all__ = ["PROBLEM_COMPONENT", "PROBLEM_SCHEMA", "ProblemAutoSchema", "idempotency_of"]

PROBLEM_COMPONENT: Final = "Problem"
PROBLEM_SCHEMA: Final[dict[str, Any]] = {
    "type": "object",
    "description": (
        "Erro no formato RFC 9457 (application/problem+json). Clientes devem decidir pelo "
        "`code`, estável entre versões."
    ),
    "properties": {
        "type": {
            "type": "string",
            "description": f"Identificador do problema: {PROBLEM_TYPE_BASE}<code>.",
        },
        "title": {"type": "string", "description": "Resumo do problema (pt-BR)."},
        "status": {"type": "integer", "description": "O status HTTP da resposta."},
        "detail": {"type": "string", "description": "Explicação desta ocorrência (pt-BR)."},
        "code": {"type": "string", "description": "Código estável, snake_case."},
        "instance": {"type": "string", "nullable": True, "description": "Caminho pedido."},
        "request_id": {
            "type": "string",
            "nullable": True,
            "description": "Identificador da requisição (informe ao suporte).",
        },
        "errors": {
            "type": "object",
            "description": "Erros de validação: caminho do campo → mensagens.",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
        },
    },
    "required": ["type", "title", "status", "detail", "code"],
    "additionalProperties": True,
}

_DESCRIPTIONS: Final[dict[int, str]] = {
    400: "Requisição inválida (validação, filtro ou Idempotency-Key malformada).",
    401: "Não autenticado: token ausente, inválido, expirado ou de sessão encerrada.",
    403: "Acesso negado ao papel ou canal do autenticado.",
    404: "Não encontrado (ou fora do alcance do autenticado).",
    409: "Conflito com o estado atual (duplicado, ou requisição com a mesma chave em curso).",
    415: "Tipo de conteúdo não suportado.",
    422: "Regra de negócio recusou a operação (ou Idempotency-Key reutilizada).",
    429: "Limite de requisições excedido; tente após Retry-After segundos.",
    500: "Erro interno; nada foi alterado.",
}
_BODY_METHODS: Final = frozenset({"POST", "PUT", "PATCH"})
_WRITE_METHODS: Final = _BODY_METHODS | {"DELETE"}


def _sample_handler(*args: Any, **kwargs: Any) -> HttpResponse:
    return HttpResponse()


# Every function @idempotent returns runs this code object: how a decorated handler is known.
_IDEMPOTENT_WRAPPER_CODE: Final = idempotent(_sample_handler).__code__


def idempotency_of(handler: Callable[..., Any] | None) -> bool | None:
    """None when the handler is not ``@idempotent``; else whether it requires the key.

    Follows ``__wrapped__`` through decorators stacked above ``@idempotent``.
    """
    func: Any = getattr(handler, "__func__", handler)
    while func is not None:
        if getattr(func, "__code__", None) is _IDEMPOTENT_WRAPPER_CODE:
            return bool(inspect.getclosurevars(func).nonlocals.get("required", False))
        func = getattr(func, "__wrapped__", None)
    return None


class ProblemAutoSchema(AutoSchema):
    """drf-spectacular's AutoSchema plus problem+json answers and the Idempotency-Key header."""

    def get_override_parameters(self) -> list[Any]:
        """The view's own parameters, plus ``Idempotency-Key`` on idempotent handlers."""
        parameters = list(super().get_override_parameters())
        required = self._idempotency_required()
        if required is not None:
            parameters.append(
                OpenApiParameter(
                    IDEMPOTENCY_HEADER,
                    OpenApiTypes.STR,
                    location=OpenApiParameter.HEADER,
                    required=required,
                    description=(
                        "Chave única por operação (1 a 255 caracteres ASCII imprimíveis). "
                        "Repetir a mesma requisição com a mesma chave devolve a primeira "
                        "resposta (cabeçalho Idempotent-Replayed: true); outra requisição com a "
                        "mesma chave é recusada (422)."
                    ),
                )
            )
        return parameters

    def _get_response_bodies(self, direction: Any = "response") -> dict[str, Any]:
        responses: dict[str, Any] = dict(super()._get_response_bodies(direction))
        if direction != "response":
            return responses
        reference = self._problem_reference()
        for status in sorted(self._problem_statuses()):
            responses.setdefault(str(status), self._problem_response(status, reference))
        return responses

    def _problem_statuses(self) -> set[int]:
        statuses = {500, *getattr(self.view, "problem_statuses", ())}
        if self.view.get_throttles():
            statuses.add(429)
        if self.view.get_authenticators():
            statuses.add(401)
        if not any(isinstance(p, permissions.AllowAny) for p in self.view.get_permissions()):
            statuses.update({401, 403})
        is_list = self._is_list_view()
        if "{" in self.path or is_list:
            statuses.add(404)
        if is_list:
            statuses.add(400)
        if self.method in _BODY_METHODS:
            statuses.update({400, 415})
        if self.method in _WRITE_METHODS:
            statuses.update({409, 422})
        if self._idempotency_required() is not None:
            statuses.update({400, 409, 422})
        return statuses

    def _problem_reference(self) -> dict[str, str]:
        component = ResolvedComponent(  # type: ignore[no-untyped-call]
            name=PROBLEM_COMPONENT,
            type=ResolvedComponent.SCHEMA,
            object=PROBLEM_COMPONENT,
            schema=PROBLEM_SCHEMA,
        )
        self.registry.register_on_missing(component)
        return dict(component.ref)

    def _problem_response(self, status: int, reference: dict[str, str]) -> dict[str, Any]:
        response: dict[str, Any] = {
            "description": _DESCRIPTIONS.get(status, "Erro."),
            "content": {PROBLEM_CONTENT_TYPE: {"schema": reference}},
        }
        if status == 429:
            response["headers"] = {
                "Retry-After": {
                    "schema": {"type": "integer"},
                    "description": "Segundos até a próxima tentativa.",
                }
            }
        return response

    def _idempotency_required(self) -> bool | None:
        action = getattr(self.view, "action", None)
        handler = getattr(self.view, action or self.method.lower(), None)
        return idempotency_of(handler)
