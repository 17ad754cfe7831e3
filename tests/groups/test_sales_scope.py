"""Sales between two channels: each sees and confirms only its own reservations."""

from __future__ import annotations

import pytest

from apps.accounts.roles import Role
from apps.accounts.services import roles
from apps.groups import selectors
from apps.groups.models import QuotaStatus
from apps.groups.services import sales
from apps.groups.services.quota_errors import QuotaOutOfScope
from tests.accounts.factories import SalesRepresentativeFactory
from tests.members.factories import register


@pytest.fixture
def representatives(db):
    reps = [SalesRepresentativeFactory(), SalesRepresentativeFactory()]
    for rep in reps:
        roles.assign_roles(user=rep.user, roles=[Role.SALES])
    return reps


def test_a_sale_belongs_to_the_sellers_channel_and_is_hidden_from_another(group, representatives):
    rep_a, rep_b = representatives
    member = register(actor=rep_a.user)
    version = sales.reserve_quota(actor=rep_a.user, group=group, member=member)
    assert version.sales_channel_id == rep_a.channel_id
    assert version.sales_representative_id == rep_a.pk
    assert list(selectors.scoped_quota_versions(rep_a.user)) == [version]
    assert list(selectors.scoped_quota_versions(rep_b.user)) == []

    with pytest.raises(QuotaOutOfScope):
        sales.confirm_sale(actor=rep_b.user, reservation=version, contract_accepted=True)
    version.refresh_from_db()
    assert version.status == QuotaStatus.RESERVED


def test_a_seller_cannot_sell_to_a_member_another_channel_brought_in(group, representatives):
    rep_a, rep_b = representatives
    member = register(actor=rep_a.user)
    with pytest.raises(QuotaOutOfScope):
        sales.reserve_quota(actor=rep_b.user, group=group, member=member)
    assert not selectors.scoped_quota_versions(rep_a.user).exists()
