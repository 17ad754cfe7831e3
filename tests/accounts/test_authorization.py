"""Ownership scope, per-object exceptions and the one decision helper `can`, on this issue's
own objects: sales channels, representatives and API clients."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser, Group
from django.db import connection
from guardian.shortcuts import assign_perm

from apps.accounts.models import ApiClient, SalesChannel, SalesRepresentative
from apps.accounts.roles import Role
from apps.accounts.selectors.authorization import (
    Scope,
    ScopeKind,
    actor_scope,
    can,
    scope_queryset,
)
from apps.accounts.services import api_clients, identity
from tests.accounts.factories import SalesChannelFactory, SalesRepresentativeFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db):
    """Two channels, each with two representatives and an API client; one global client."""
    north, south = SalesChannelFactory(name="Norte"), SalesChannelFactory(name="Sul")
    reps = {
        name: SalesRepresentativeFactory(
            channel=channel, user=UserFactory(username=name, roles=[Role.SALES])
        )
        for name, channel in [("n1", north), ("n2", north), ("s1", south), ("s2", south)]
    }
    north_client, _ = api_clients.create_api_client(
        name="Parceiro Norte", role=Role.ADMIN, channel=north, created_by=None
    )
    south_client, _ = api_clients.create_api_client(
        name="Parceiro Sul", role=Role.ADMIN, channel=south, created_by=None
    )
    global_client, _ = api_clients.create_api_client(
        name="Banco", role=Role.AUDITOR, channel=None, created_by=None
    )
    return {
        "north": north,
        "south": south,
        **reps,
        "north_client": north_client,
        "south_client": south_client,
        "global_client": global_client,
    }


def test_staff_without_a_representative_profile_reach_everything(world):
    operator = UserFactory(roles=[Role.OPERATIONS])

    assert actor_scope(operator) == Scope(ScopeKind.ALL)
    assert scope_queryset(SalesRepresentative.objects.all(), operator).count() == 4


def test_a_representative_sees_only_itself_and_its_own_channel(world):
    user = world["n1"].user

    reps = scope_queryset(SalesRepresentative.objects.all(), user)
    channels = scope_queryset(SalesChannel.objects.all(), user)

    assert actor_scope(user) == Scope(
        ScopeKind.REPRESENTATIVE, channel_id=world["north"].pk, representative_id=world["n1"].pk
    )
    assert list(reps) == [world["n1"]]
    assert list(channels) == [world["north"]]


def test_a_channels_api_client_sees_only_its_channels_representatives_and_api_clients(world):
    machine = world["north_client"].user

    reps = scope_queryset(SalesRepresentative.objects.all(), machine)
    clients = scope_queryset(ApiClient.objects.all(), machine)

    assert set(reps) == {world["n1"], world["n2"]}
    assert list(clients) == [world["north_client"]]
    assert list(scope_queryset(SalesChannel.objects.all(), machine)) == [world["north"]]


def test_an_api_client_without_a_channel_sees_every_channel(world):
    machine = world["global_client"].user

    assert actor_scope(machine).is_unrestricted
    assert scope_queryset(SalesRepresentative.objects.all(), machine).count() == 4


def test_inactive_representatives_clients_users_and_anonymous_reach_nothing(world):
    world["n1"].is_active = False
    world["n1"].save()
    api_clients.deactivate_api_client(api_client=world["south_client"])
    disabled = identity.deactivate_user(user=UserFactory(), actor=None)

    for actor in (world["n1"].user, world["south_client"].user, disabled, AnonymousUser()):
        actor = type(actor).objects.get(pk=actor.pk) if actor.pk else actor
        assert actor_scope(actor).kind is ScopeKind.NONE
        assert not scope_queryset(SalesChannel.objects.all(), actor).exists()


def test_can_combines_the_role_permission_with_the_ownership_scope(world):
    north_machine = world["north_client"].user  # role admin: may change representatives

    assert can(north_machine, "change", world["n2"])
    assert not can(north_machine, "change", world["s1"])
    assert can(world["n1"].user, "view", world["n1"])
    assert not can(world["n1"].user, "view", world["n2"])  # same channel, not its own
    assert not can(world["n1"].user, "change", world["n1"])  # the sales role only reads


def test_creating_is_allowed_only_inside_the_actors_channel(world):
    north_machine = world["north_client"].user
    newcomer = UserFactory()

    assert can(north_machine, "add", SalesRepresentative(user=newcomer, channel=world["north"]))
    assert not can(north_machine, "add", SalesRepresentative(user=newcomer, channel=world["south"]))


def test_a_guardian_exception_opens_one_object_outside_the_scope_and_nothing_else(world):
    user = world["n1"].user
    assign_perm("accounts.view_salesrepresentative", user, world["s1"])

    visible = scope_queryset(SalesRepresentative.objects.all(), user)

    assert set(visible) == {world["n1"], world["s1"]}
    assert can(user, "view", world["s1"])
    assert not can(user, "view", world["s2"])
    assert not can(user, "change", world["s1"])  # the exception was for viewing only


def test_a_guardian_exception_given_to_a_group_counts_for_its_members(world):
    outsider = UserFactory()  # no role at all
    external_audit = Group.objects.create(name="auditoria externa do Sul")
    outsider.groups.add(external_audit)
    assign_perm("accounts.change_saleschannel", external_audit, world["south"])

    assert can(outsider, "change", world["south"])
    assert not can(outsider, "change", world["north"])
    assert not can(outsider, "view", world["north"])


def test_the_auditor_views_everything_and_changes_nothing(world):
    auditor = UserFactory(roles=[Role.AUDITOR])

    for obj in (world["north"], world["s2"], world["south_client"]):
        assert can(auditor, "view", obj)
        assert not can(auditor, "change", obj)
        assert not can(auditor, "delete", obj)


def test_anonymous_and_disabled_users_may_do_nothing(world):
    disabled = UserFactory(roles=[Role.ADMIN], is_active=False)

    assert not can(AnonymousUser(), "view", world["north"])
    assert not can(disabled, "view", world["north"])


def _plan(queryset) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        try:
            return queryset.explain()
        finally:
            cursor.execute("SET LOCAL enable_seqscan = on")


@pytest.mark.parametrize(
    ("model", "table"),
    [
        (SalesRepresentative, "accounts_salesrepresentative"),
        (ApiClient, "accounts_apiclient"),
        (SalesChannel, "accounts_saleschannel"),
    ],
)
def test_scoped_queries_are_answered_by_an_index_on_the_ownership_column(world, model, table):
    # With sequential scans priced out, a plan still scanning the table would mean no index
    # serves the ownership filter: the million-row claim, checked without a million rows.
    plan = _plan(scope_queryset(model.objects.all(), world["north_client"].user))

    assert "Index" in plan, plan
    assert f"Seq Scan on {table}" not in plan, plan


def test_a_representatives_scoped_query_uses_an_index_too(world):
    plan = _plan(scope_queryset(SalesRepresentative.objects.all(), world["n1"].user))

    assert "Index" in plan, plan
    assert "Seq Scan" not in plan, plan
