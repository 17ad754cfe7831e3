"""The DRF permission class decides through `can`, as pages and admin do."""

from __future__ import annotations

import pytest
from guardian.shortcuts import assign_perm
from rest_framework import generics, serializers
from rest_framework.test import APIRequestFactory, force_authenticate

from apps.accounts.models import SalesRepresentative
from apps.accounts.permissions import CanActOnObject
from apps.accounts.roles import Role
from apps.accounts.selectors.authorization import scope_queryset
from apps.accounts.services import api_clients
from tests.accounts.factories import SalesChannelFactory, SalesRepresentativeFactory, UserFactory

pytestmark = pytest.mark.django_db


class RepresentativeSerializer(serializers.ModelSerializer):
    class Meta:
        model = SalesRepresentative
        fields = ["id", "channel", "is_active"]


class RepresentativeList(generics.ListAPIView):
    permission_classes = [CanActOnObject]
    serializer_class = RepresentativeSerializer
    queryset = SalesRepresentative.objects.all()
    pagination_class = None

    def get_queryset(self):
        return scope_queryset(super().get_queryset(), self.request.user).order_by("pk")


class RepresentativeDetail(generics.RetrieveUpdateAPIView):
    permission_classes = [CanActOnObject]
    serializer_class = RepresentativeSerializer
    queryset = SalesRepresentative.objects.all()

    def get_queryset(self):
        action = "change" if self.request.method in ("PUT", "PATCH") else "view"
        return scope_queryset(super().get_queryset(), self.request.user, action=action)


def _call(view, method: str, user, pk=None, data=None):
    request = getattr(APIRequestFactory(), method)("/x/", data, format="json")
    force_authenticate(request, user=user)
    kwargs = {"pk": pk} if pk is not None else {}
    return view.as_view()(request, **kwargs)


@pytest.fixture
def two_channels(db):
    north, south = SalesChannelFactory(), SalesChannelFactory()
    return {
        "north_rep": SalesRepresentativeFactory(channel=north),
        "south_rep": SalesRepresentativeFactory(channel=south),
        "north_client": api_clients.create_api_client(
            name="Parceiro Norte", role=Role.ADMIN, channel=north, created_by=None
        )[0],
    }


def test_a_channel_client_lists_and_changes_only_its_channels_representatives(two_channels):
    machine = two_channels["north_client"].user
    south_rep = two_channels["south_rep"]

    listed = _call(RepresentativeList, "get", machine)
    changed = _call(
        RepresentativeDetail, "patch", machine, two_channels["north_rep"].pk, {"is_active": False}
    )
    outside = _call(RepresentativeDetail, "patch", machine, south_rep.pk, {"is_active": False})

    assert [row["id"] for row in listed.data] == [two_channels["north_rep"].pk]
    assert changed.status_code == 200
    assert outside.status_code == 404
    south_rep.refresh_from_db()
    assert south_rep.is_active


def test_a_role_that_only_reads_is_refused_a_change_with_403(two_channels):
    auditor = UserFactory(roles=[Role.AUDITOR])
    rep = two_channels["south_rep"]

    read = _call(RepresentativeDetail, "get", auditor, rep.pk)
    write = _call(RepresentativeDetail, "patch", auditor, rep.pk, {"is_active": False})

    assert read.status_code == 200
    assert write.status_code == 403
    rep.refresh_from_db()
    assert rep.is_active


def test_a_user_without_the_role_permission_reads_only_its_guardian_exception(two_channels):
    outsider = UserFactory()
    assign_perm("accounts.view_salesrepresentative", outsider, two_channels["south_rep"])

    listed = _call(RepresentativeList, "get", outsider)
    granted = _call(RepresentativeDetail, "get", outsider, two_channels["south_rep"].pk)
    other = _call(RepresentativeDetail, "get", outsider, two_channels["north_rep"].pk)

    assert listed.status_code == 403  # lists need the role permission
    assert granted.status_code == 200
    assert other.status_code == 403  # in reach (no ownership limit) but not allowed
