"""After the sale: transfer with the group's fee, and the 7-day cooling-off cancellation."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone
from pypdf import PdfReader

from apps.groups import selectors
from apps.groups.models import Quota, QuotaObligation, QuotaStatus, QuotaVersion
from apps.groups.services import sales, transfers
from apps.groups.services.quota_errors import QuotaCoolingOffOver, QuotaInvalidTransition
from consorcio.models.outbox import OutboxEvent
from tests.groups.conftest import make_group
from tests.members.factories import register


def _sell(group, actor, member, number=1):
    version = sales.reserve_quota(actor=actor, group=group, member=member, number=number)
    return sales.confirm_sale(actor=actor, reservation=version, contract_accepted=True)


def test_a_transfer_records_the_groups_fee_and_moves_the_quota(staff_user):
    group = make_group(rules={"transfer_fee": Decimal("350.00")})
    seller_member = register(actor=staff_user, name="Maria")
    buyer = register(actor=staff_user, name="Carlos")
    sold = _sell(group, staff_user, seller_member)

    new = transfers.transfer_quota(actor=staff_user, version=sold, to_member=buyer)

    assert (new.version, new.status, new.member_id) == (2, QuotaStatus.ACTIVE, buyer.pk)
    sold.refresh_from_db()
    assert sold.status == QuotaStatus.TRANSFERRED
    (fee,) = QuotaObligation.objects.filter(quota_version=new)
    assert (fee.kind, fee.amount) == ("transfer_fee", Decimal("350.00"))
    assert OutboxEvent.objects.filter(
        type="groups.quota.transferred", aggregate_id=str(new.quota_id)
    ).exists()
    assert [v.pk for v in selectors.participation_history(seller_member.pk)] == [sold.pk]
    assert [v.pk for v in selectors.participation_history(buyer.pk)] == [new.pk]
    # the buyer signs a contract of their own; the seller's stays as it was
    assert new.contract is not None
    assert sold.contract is not None
    assert new.contract.document_id != sold.contract.document_id
    with new.contract.file.open("rb") as handle:
        text = "".join(page.extract_text() for page in PdfReader(handle).pages)
    assert "Carlos" in text
    assert "Maria" not in text


def test_a_reservation_cannot_be_transferred_and_nothing_changes(group, staff_user):
    member = register(actor=staff_user)
    other = register(actor=staff_user, name="Rita")
    reserved = sales.reserve_quota(actor=staff_user, group=group, member=member)
    with pytest.raises(QuotaInvalidTransition):
        transfers.transfer_quota(actor=staff_user, version=reserved, to_member=other)
    assert QuotaVersion.objects.filter(quota_id=reserved.quota_id).count() == 1


def test_a_sale_cancelled_within_seven_days_frees_the_quota(
    group, staff_user, django_capture_on_commit_callbacks
):
    member = register(actor=staff_user)
    sold = _sell(group, staff_user, member, number=2)
    with django_capture_on_commit_callbacks():
        cancelled = transfers.cancel_sale(
            actor=staff_user,
            version=sold,
            reason="Desistência no prazo",
            now=sold.sold_at + dt.timedelta(days=6, hours=23),
        )
    assert cancelled.status == QuotaStatus.CANCELLED
    assert OutboxEvent.objects.filter(type="groups.sale.cancelled").count() == 1
    quota = Quota.objects.select_related("current_version").get(pk=sold.quota_id)
    assert selectors.is_sellable(quota)
    other = register(actor=staff_user, name="Pedro")
    again = sales.reserve_quota(actor=staff_user, group=group, member=other, number=2)
    assert again.version == 2


def test_cancelling_after_the_cooling_off_is_refused_and_nothing_changes(group, staff_user):
    member = register(actor=staff_user)
    sold = _sell(group, staff_user, member)
    with pytest.raises(QuotaCoolingOffOver):
        transfers.cancel_sale(
            actor=staff_user,
            version=sold,
            reason="Tarde demais",
            now=timezone.now() + dt.timedelta(days=7, minutes=1),
        )
    sold.refresh_from_db()
    assert sold.status == QuotaStatus.ACTIVE
    assert not OutboxEvent.objects.filter(type="groups.sale.cancelled").exists()


def test_roles_get_the_quota_permissions_the_migration_grants(db):
    from django.contrib.auth.models import Group

    def perms(role):
        return set(
            Group.objects.get(name=role)
            .permissions.filter(content_type__model="quotaversion")
            .values_list("codename", flat=True)
        )

    for role in ("operations", "sales"):
        assert perms(role) == {"add_quotaversion", "change_quotaversion", "view_quotaversion"}
    assert "delete_quotaversion" in perms("admin")
    for role in ("finance", "credit", "auditor"):
        assert perms(role) == {"view_quotaversion"}
