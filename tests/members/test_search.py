"""Member search: accent-insensitive names, CPF/CNPJ prefixes, e-mails, each through its index."""

from __future__ import annotations

import pytest
from django.db import connection

from apps.members import selectors
from apps.members.models import Member
from tests.members.factories import address, new_cnpj, new_cpf, register

pytestmark = pytest.mark.django_db


@pytest.fixture
def everyone(staff_user):
    return staff_user()  # operations: no representative profile, sees every member


def names(queryset):
    return sorted(member.name for member in queryset)


@pytest.mark.embedded
def test_a_name_fragment_without_accents_finds_the_accented_name(everyone):
    register(name="João Gonçalves")
    register(name="Maria Antônia")

    assert names(selectors.search_members(everyone, "joao")) == ["João Gonçalves"]
    assert names(selectors.search_members(everyone, "GONCAL")) == ["João Gonçalves"]
    assert names(selectors.search_members(everyone, "antônia")) == ["Maria Antônia"]


def test_percent_and_underscore_in_a_name_search_are_literal(everyone):
    register(name="Ana Paula")

    assert names(selectors.search_members(everyone, "%")) == []
    assert names(selectors.search_members(everyone, "a_a")) == []


def test_a_cpf_prefix_with_or_without_mask_finds_the_member(everyone):
    register(name="Com CPF", document="529.982.247-25")
    register(name="Outro", document=new_cpf())

    assert names(selectors.search_members(everyone, "529982")) == ["Com CPF"]
    assert names(selectors.search_members(everyone, "529.982.2")) == ["Com CPF"]


def test_an_email_finds_the_member_regardless_of_case(everyone):
    register(name="Carla", email="Carla.Souza@Example.com")
    register(name="Outra", email="outra@example.com")

    assert names(selectors.search_members(everyone, "carla.souza@example.com")) == ["Carla"]
    assert names(selectors.search_members(everyone, "CARLA.SOUZA@")) == ["Carla"]


def test_filters_by_kind_and_primary_address_uf(everyone):
    register(name="Paulista")
    register(name="Carioca", addresses=[address(uf="RJ")])
    register(name="Empresa", kind="PJ", document=new_cnpj())

    rio = selectors.search_members(everyone, "", selectors.MemberFilters(uf="RJ"))
    companies = selectors.search_members(everyone, "", selectors.MemberFilters(kind="PJ"))
    assert names(rio) == ["Carioca"]
    assert names(companies) == ["Empresa"]


def _plan(queryset) -> str:
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.mark.parametrize(
    ("term", "index"),
    [
        ("joao", "member_name_trgm"),
        ("529.982", "members_member_document_"),  # the unique column's _like index
        ("carla@example", "member_email_lower"),
    ],
)
def test_each_search_form_uses_its_index(everyone, term, index):
    register(name="João", document="529.982.247-25", email="carla@example.com")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE members_member")

    plan = _plan(selectors.search_members(everyone, term))

    assert index in plan, plan
    assert "Seq Scan on members_member" not in plan, plan


def test_masking_hides_the_first_and_check_digits():
    assert selectors.mask_document("52998224725") == "***.982.247-**"
    assert selectors.mask_document("11222333000181") == "**.222.333/****-**"
    assert selectors.format_document("52998224725") == "529.982.247-25"
    assert selectors.format_document("11222333000181") == "11.222.333/0001-81"


def test_search_count_query_is_unaffected_by_accents(everyone):
    register(name="Ângela")

    assert selectors.search_members(everyone, "angela").count() == 1
    assert Member.objects.count() == 1
