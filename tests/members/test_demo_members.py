"""The demo members `make run` loads: valid documents, idempotent, some owned by the partner."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from stdnum.br import cnpj, cpf

from apps.members.models import Member

pytestmark = pytest.mark.django_db


def test_demo_members_have_valid_documents_and_loading_twice_adds_nothing():
    call_command("seed_demo", "--password", "s3nha-demo")
    call_command("seed_demo_members")
    call_command("seed_demo_members")

    members = list(Member.objects.all())
    assert len(members) == 30
    for member in members:
        validator = cpf if member.kind == Member.Kind.PERSON else cnpj
        assert validator.is_valid(member.document), member.document
    assert any(member.sales_representative_id for member in members)
