"""Staff pages that change a group: create it, edit or amend its rules, move its lifecycle.

Thin: forms check shape, ``apps.groups.services`` decide (plans, amendments, lifecycle).
A refusal is shown in Portuguese next to the field it concerns and changes nothing (each
service runs in one transaction). The rules of a group without members are edited in place;
once it has members the same page offers a versioned amendment instead (DOMAIN.md A12).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from apps.groups import selectors
from apps.groups.group_forms import (
    TRANSITION_LABELS,
    AmendmentForm,
    GroupCreateForm,
    RulesForm,
    TransitionForm,
)
from apps.groups.models import ConsortiumGroup, GroupState
from apps.groups.services import amendments, lifecycle, plans
from apps.groups.services.errors import (
    GroupAmendmentRefused,
    GroupDataInvalid,
    GroupInvalidTransition,
    GroupRulesInvalid,
    GroupRulesLocked,
)

CREATE_PERMISSION = "groups.add_consortiumgroup"
RULES_PERMISSION = "groups.change_grouprules"
TRANSITION_PERMISSION = "groups.change_consortiumgroup"


def _require(request: HttpRequest, permission: str) -> AbstractBaseUser:
    """The signed-in user when they hold ``permission`` (403 otherwise)."""
    user = request.user
    if not isinstance(user, AbstractBaseUser) or not user.has_perm(permission):
        raise PermissionDenied
    return user


def group_actions(request: HttpRequest, group: ConsortiumGroup) -> dict[str, Any]:
    """What the group's page offers this user: the rules button and the allowed transitions."""
    user = request.user
    may_change_rules = user.has_perm(RULES_PERMISSION) and group.state != GroupState.CLOSED
    transitions = []
    if user.has_perm(TRANSITION_PERMISSION):
        for state in sorted(lifecycle.allowed_transitions(group.state)):
            label, confirm = TRANSITION_LABELS[state]
            transitions.append({"state": state.value, "label": label, "confirm": confirm})
    return {
        "may_change_rules": may_change_rules,
        "rules_label": "Aditar regras" if selectors.group_has_members(group) else "Editar regras",
        "transitions": transitions,
        "today": timezone.localdate(),
    }


@login_required
@require_http_methods(["GET", "POST"])
def group_create(request: HttpRequest) -> HttpResponse:
    """A new group in formation with its rules version 1 (defaults from DOMAIN.md Part A)."""
    actor = _require(request, CREATE_PERMISSION)
    form = GroupCreateForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            group = plans.create_group(
                actor=actor, rules=form.rule_changes(), **form.group_fields()
            )
        except (GroupDataInvalid, GroupRulesInvalid) as refused:
            form.add_service_errors(refused.extra.get("errors", {}), refused.detail)
        else:
            messages.success(request, f"Grupo {group.code} criado (em formação).")
            return redirect("groups:detail", pk=group.pk)
    return render(request, "groups/group_form.html", {"form": form, "group": None})


def _rules_form(
    group: ConsortiumGroup, has_members: bool, data: Any = None
) -> RulesForm | AmendmentForm:
    assert group.current_rules is not None
    initial = RulesForm.initial_for(group.current_rules)
    if has_members:
        return AmendmentForm(data, initial={**initial, "effective_from": timezone.localdate()})
    return RulesForm(data, initial=initial)


def _save_rules(actor: AbstractBaseUser, group: ConsortiumGroup, form: RulesForm) -> str:
    """Apply the form through the right service; the success message."""
    if isinstance(form, AmendmentForm):
        amended = amendments.amend_group_rules(
            group=group,
            changes=form.rule_changes(),
            reason=form.cleaned_data["reason"],
            effective_from=form.cleaned_data["effective_from"],
            actor=actor,
        )
        return f"Aditamento registrado: regras do grupo {group.code} na versão {amended.version}."
    plans.update_group_rules(group=group, changes=form.rule_changes(), actor=actor)
    return f"Regras do grupo {group.code} atualizadas."


@login_required
@require_http_methods(["GET", "POST"])
def group_rules(request: HttpRequest, pk: int) -> HttpResponse:
    """Edit the rules of a group without members, or amend (new version) those of one with.

    A group that gained members between opening and saving the page is refused with the
    amendment form in its place, the typed values kept.
    """
    actor = _require(request, RULES_PERMISSION)
    group = get_object_or_404(selectors.groups(), pk=pk)
    has_members = selectors.group_has_members(group)
    form = _rules_form(group, has_members, request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            text = _save_rules(actor, group, form)
        except GroupRulesLocked as refused:
            form = _rules_form(group, True, request.POST)
            form.is_valid()
            form.add_error(None, refused.detail)
            status = 409
        except GroupRulesInvalid as refused:
            form.add_service_errors(refused.extra.get("errors", {}), refused.detail)
        except GroupAmendmentRefused as refused:
            form.add_error(None, refused.detail)
        else:
            messages.success(request, text)
            return redirect("groups:detail", pk=group.pk)
    context = {
        "form": form,
        "group": group,
        "is_amendment": isinstance(form, AmendmentForm),
        "is_closed": group.state == GroupState.CLOSED,
    }
    return render(request, "groups/group_form.html", context, status=status)


@login_required
@require_http_methods(["POST"])
def group_transition(request: HttpRequest, pk: int) -> HttpResponse:
    """Move the group along its lifecycle; the state machine refuses any other move."""
    _require(request, TRANSITION_PERMISSION)
    group = get_object_or_404(selectors.groups(), pk=pk)
    form = TransitionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Escolha a nova situação e informe uma data válida.")
        return redirect("groups:detail", pk=group.pk)
    target = GroupState(form.cleaned_data["to_state"])
    try:
        lifecycle.transition_group(
            group=group, to_state=target, on_date=form.cleaned_data["on_date"]
        )
    except GroupInvalidTransition as refused:
        messages.error(request, refused.detail)
    else:
        messages.success(request, f"Grupo {group.code} agora está {target.label.lower()}.")
    return redirect("groups:detail", pk=group.pk)
