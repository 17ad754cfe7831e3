"""Admin for every model (ISSUE 10 item 5, ISSUE 11 item 7): no model of the contexts is
left out of Django's admin, so staff can always look a row up (read-only where the model is
immutable)."""

from __future__ import annotations

from django.contrib import admin

from consorcio.audit import model_label, project_models

# Kernel machinery rows are inspected through their own pages and commands, not the admin.
_KERNEL_WITHOUT_ADMIN_PREFIX = "consorcio."


def test_every_model_of_the_contexts_is_registered_in_the_admin():
    missing = [
        model_label(model)
        for model in project_models()
        if not model_label(model).startswith(_KERNEL_WITHOUT_ADMIN_PREFIX)
        and not admin.site.is_registered(model)
    ]

    assert missing == []
