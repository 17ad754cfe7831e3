"""Audit basics: which models django-auditlog records, and one entry per bulk write.

The rule (ISSUE 8 §7): **business data is audited, operational and append-only rows are
not.** Every model of the ``apps.*`` contexts and of the kernel is registered with auditlog at
start-up (``register_audited_models``, called from ``ConsorcioConfig.ready``), so each create,
update and delete is recorded with the acting user (auditlog's middleware or
``auditlog.context.set_actor``) and the request id (``AUDITLOG_CID_GETTER``). Two kinds of
model stay out:

- append-only records (ledger entries, settlements, the access log, outbox events) are their
  own audit trail: a model says so with the class attribute ``audit_append_only = True``;
- derived summaries that machinery rewrites from audited or append-only rows (ledger balances,
  the daily delinquency status) say so with ``audit_derived = True``;
- the kernel's operational rows, high-volume and rewritten by machinery, are listed in
  ``NOT_AUDITED`` with the reason.

Bulk writes (``bulk_create``, ``QuerySet.update``/``delete``) bypass auditlog's signals, so the
service doing one calls ``record_batch_audit`` once for the batch.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, Final

from auditlog.models import LogEntry
from auditlog.registry import auditlog
from django.apps import apps as django_apps
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.contenttypes.models import ContentType
from django.db.models import Model

from consorcio.observability import current_request_id

# Kernel rows auditlog must not record, each with the reason ("app_label.modelname").
NOT_AUDITED: Final[Mapping[str, str]] = {
    "consorcio.outboxevent": "append-only: the outbox is its own trail of domain events",
    "consorcio.outboxdelivery": "operational: delivery attempts rewritten by the dispatcher",
    "consorcio.personaldataaccess": "append-only: the access log is itself an audit trail",
    "consorcio.idempotencyrecord": "operational: one row per API POST, expires in 24 h",
    "consorcio.job": "operational: progress counters updated by every chunk",
    "consorcio.jobchunk": "operational: high-volume chunk bookkeeping",
    "consorcio.jobmessage": "append-only: progress messages of a job",
    "consorcio.lockfence": "operational: fencing counter bumped on every lock acquisition",
}

# Fields never copied into an entry's diff: secrets, and noise that changes on every sign-in.
EXCLUDED_FIELDS: Final[Mapping[str, tuple[str, ...]]] = {
    "accounts.user": ("password", "last_login"),
    "accounts.apiclient": ("secret_hash", "last_used_at"),
    "finance.bankfile": ("content",),
}

# Many-to-many relations whose changes are recorded too (who gained which role).
AUDITED_M2M_FIELDS: Final[Mapping[str, tuple[str, ...]]] = {
    "accounts.user": ("groups", "user_permissions"),
}

_BATCH_OPERATIONS: Final[Mapping[str, int]] = {
    "create": LogEntry.Action.CREATE,
    "update": LogEntry.Action.UPDATE,
    "delete": LogEntry.Action.DELETE,
}


def model_label(model: type[Model]) -> str:
    """``"app_label.modelname"``, the key ``NOT_AUDITED`` and ``EXCLUDED_FIELDS`` use."""
    return model._meta.label_lower


def is_project_model(model: type[Model]) -> bool:
    """Whether the model belongs to the kernel or to one of the ``apps.*`` contexts."""
    app_name = model._meta.app_config.name if model._meta.app_config else ""
    return app_name == "consorcio" or app_name.startswith("apps.")


def is_audit_exempt(model: type[Model]) -> bool:
    """Whether the model is append-only or operational, and so not registered with auditlog."""
    return (
        bool(getattr(model, "audit_append_only", False))
        or bool(getattr(model, "audit_derived", False))
        or model_label(model) in NOT_AUDITED
    )


def project_models() -> Iterator[type[Model]]:
    """Every concrete, managed model of the kernel and the contexts."""
    for model in django_apps.get_models():
        meta = model._meta
        if is_project_model(model) and meta.managed and not meta.proxy and not meta.abstract:
            yield model


def register_audited_models() -> list[type[Model]]:
    """Register with auditlog every project model that is not exempt; returns those models.

    Idempotent (a model already registered is left as it is), so ``ready()`` running twice in
    tests does no harm.
    """
    registered: list[type[Model]] = []
    for model in project_models():
        if is_audit_exempt(model):
            continue
        if not auditlog.contains(model):
            label = model_label(model)
            auditlog.register(
                model,
                exclude_fields=list(EXCLUDED_FIELDS.get(label, ())),
                m2m_fields=set(AUDITED_M2M_FIELDS.get(label, ())),
            )
        registered.append(model)
    return registered


def _format_count(count: int) -> str:
    # pt-BR thousands separator: 1.000 registros.
    number = f"{count:,}".replace(",", ".")
    return f"{number} registro" if count == 1 else f"{number} registros"


def _content_type(model: type[Model] | str) -> ContentType:
    if isinstance(model, str):
        app_label, _, model_name = model.lower().partition(".")
        return ContentType.objects.get_by_natural_key(app_label, model_name)
    return ContentType.objects.get_for_model(model)


def record_batch_audit(
    *,
    actor: AbstractBaseUser | None,
    action: str,
    model: type[Model] | str,
    count: int,
    details: Mapping[str, Any],
    operation: str = "update",
) -> LogEntry:
    """Write one auditlog entry standing for a bulk write of ``count`` rows of ``model``.

    ``action`` names the business action (``"finance.installments.generated"``); ``operation``
    is what happened to the rows (``create``, ``update`` or ``delete``); ``details`` must be
    JSON-serialisable (ids, filters, the run it belongs to). ``model`` is a model class or its
    ``"app_label.ModelName"``. The entry carries the actor and the current request id. Call it
    inside the transaction of the bulk write, so the entry exists exactly when the rows do.
    """
    if not action.strip():
        raise ValueError("record_batch_audit: action must not be empty")
    if count < 0:
        raise ValueError("record_batch_audit: count must not be negative")
    if operation not in _BATCH_OPERATIONS:
        raise ValueError(f"record_batch_audit: unknown operation {operation!r}")
    user = actor if actor is not None and actor.is_authenticated else None
    return LogEntry.objects.create(
        content_type=_content_type(model),
        object_pk="",
        object_id=None,
        object_repr=f"lote: {_format_count(count)}",
        action=_BATCH_OPERATIONS[operation],
        changes_text="",
        actor_id=user.pk if user is not None else None,
        actor_email=getattr(user, "email", None) or None,
        cid=current_request_id(),
        additional_data={"action": action, "count": count, "details": dict(details)},
    )
