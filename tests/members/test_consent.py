"""LGPD consent per purpose: given with its text version, revoked, re-given under a new text."""

from __future__ import annotations

import pytest

from apps.members import services
from apps.members.models import Consent
from tests.members.factories import register

pytestmark = pytest.mark.django_db


def test_giving_and_revoking_consent_records_who_and_when(staff_user):
    operator = staff_user()
    member = register()

    given = services.give_consent(
        member=member, purpose="marketing", text_version="v1", actor=operator
    )
    revoked = services.revoke_consent(member=member, purpose="marketing", actor=operator)

    assert given.pk == revoked.pk
    assert revoked.given_by == operator
    assert revoked.revoked_by == operator
    assert revoked.revoked_at >= revoked.given_at


def test_giving_the_same_version_twice_keeps_one_consent():
    member = register()

    first = services.give_consent(member=member, purpose="marketing", text_version="v1", actor=None)
    again = services.give_consent(member=member, purpose="marketing", text_version="v1", actor=None)

    assert first.pk == again.pk
    assert Consent.objects.filter(member=member).count() == 1


def test_a_new_text_version_replaces_the_consent_in_force():
    member = register()
    old = services.give_consent(member=member, purpose="marketing", text_version="v1", actor=None)

    new = services.give_consent(member=member, purpose="marketing", text_version="v2", actor=None)

    old.refresh_from_db()
    assert old.revoked_at is not None
    assert new.revoked_at is None
    assert new.text_version == "v2"


def test_revoking_a_consent_never_given_is_refused_and_changes_nothing():
    member = register()
    services.give_consent(member=member, purpose="marketing", text_version="v1", actor=None)

    with pytest.raises(services.ConsentNotGivenError) as refusal:
        services.revoke_consent(member=member, purpose="compartilhamento", actor=None)

    assert refusal.value.code == "consent_not_given"
    assert Consent.objects.filter(member=member, revoked_at=None).count() == 1
