"""No model is silently unaudited: each is registered with auditlog or exempt by declaration."""

from __future__ import annotations

from auditlog.registry import auditlog
from django.apps import apps as django_apps

from apps.accounts.models import User
from consorcio.audit import NOT_AUDITED, is_audit_exempt, model_label, project_models


def test_every_model_of_the_kernel_and_the_contexts_is_audited_or_declared_exempt():
    undecided = [
        model_label(model)
        for model in project_models()
        if not auditlog.contains(model) and not is_audit_exempt(model)
    ]

    assert undecided == [], (
        "register these with auditlog (consorcio.audit.register_audited_models) or declare "
        "them append-only (audit_append_only = True) / operational (NOT_AUDITED)"
    )


def test_no_exempt_model_is_registered_with_auditlog():
    registered_anyway = [
        model_label(model)
        for model in project_models()
        if is_audit_exempt(model) and auditlog.contains(model)
    ]

    assert registered_anyway == []


def test_every_not_audited_entry_names_an_existing_kernel_model():
    labels = {model_label(model) for model in django_apps.get_models()}

    assert set(NOT_AUDITED) - labels == set()
    assert all(label.startswith("consorcio.") for label in NOT_AUDITED)


def test_business_data_such_as_users_is_audited_without_secrets():
    assert auditlog.contains(User)
    excluded = auditlog.get_model_fields(User)["exclude_fields"]
    assert {"password", "last_login"} <= set(excluded)


def test_the_project_models_include_the_kernel_and_the_contexts():
    labels = {model_label(model) for model in project_models()}

    assert {"accounts.user", "consorcio.outboxevent"} <= labels
    assert not any(
        label.startswith(("auth.", "auditlog.", "django_celery_beat.")) for label in labels
    )
