"""The shell: header with the user and logout, and the menu each role sees."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from apps.accounts.navigation import MENU, MenuEntry, menu_for
from apps.accounts.roles import Role

pytestmark = pytest.mark.django_db


def _menu_labels(html: str) -> list[str]:
    nav = re.search(r'<ul class="main-nav".*?</ul>', html, re.S)
    return re.findall(r"<a [^>]*>([^<]+)</a>", nav.group(0)) if nav else []


def test_every_menu_entry_points_to_an_existing_page():
    for entry in MENU:
        assert reverse(entry.url_name)


@pytest.mark.parametrize("role", list(Role))
def test_each_role_sees_the_entries_declared_for_it_and_no_other(role, make_staff, signed_in):
    html = signed_in(make_staff(role)).get("/").content.decode()

    expected = [
        entry.label
        for entry in MENU
        if entry.in_menu and (entry.roles is None or role in entry.roles) and not entry.permission
    ]
    shown = _menu_labels(html)
    assert set(expected) <= set(shown)
    for entry in MENU:
        if entry.in_menu and entry.roles is not None and role not in entry.roles:
            assert entry.label not in shown


def test_only_admins_see_the_administration_entry(make_staff, signed_in):
    admin_menu = _menu_labels(signed_in(make_staff(Role.ADMIN)).get("/").content.decode())
    sales_menu = _menu_labels(signed_in(make_staff(Role.SALES)).get("/").content.decode())

    assert "Administração" in admin_menu
    assert "Administração" not in sales_menu
    assert "Minhas tarefas" in sales_menu


def test_an_entry_gated_by_a_permission_needs_the_permission_too(make_staff):
    entries = (
        MenuEntry(
            "Papéis", "jobs-list", roles=frozenset({Role.SALES}), permission="auth.change_group"
        ),
    )
    seller = make_staff(Role.SALES)
    granted = make_staff(Role.SALES)
    granted.user_permissions.add(
        Permission.objects.get(content_type__app_label="auth", codename="change_group")
    )
    granted = type(granted).objects.get(pk=granted.pk)  # fresh permission cache
    auditor = make_staff(Role.AUDITOR)
    superuser = make_staff(is_superuser=True)

    assert menu_for(seller, "/", entries) == []
    assert menu_for(auditor, "/", entries) == []
    assert [item.label for item in menu_for(granted, "/", entries)] == ["Papéis"]
    assert [item.label for item in menu_for(superuser, "/", entries)] == ["Papéis"]


def test_the_current_section_is_marked_in_the_menu(make_staff, signed_in):
    html = signed_in(make_staff(Role.OPERATIONS)).get("/tarefas/?q=x").content.decode()

    assert '<a href="/tarefas/" aria-current="page">Minhas tarefas</a>' in html


def test_the_header_shows_the_users_name_and_a_logout_form_that_posts(make_staff, signed_in):
    user = make_staff(Role.CREDIT, full_name="Carla Crédito")

    html = signed_in(user).get("/").content.decode()

    assert 'data-testid="user-name">Carla Crédito<' in html
    form = re.search(
        r'<form method="post" action="([^"]+)" class="logout-form">(.*?)</form>', html, re.S
    )
    assert form.group(1) == reverse("accounts:logout")
    assert 'name="csrfmiddlewaretoken"' in form.group(2)
    assert ">Sair</button>" in form.group(2)


def test_the_home_page_greets_the_user_with_their_roles_and_shortcuts(make_staff, signed_in):
    user = make_staff(Role.ADMIN, Role.FINANCE, full_name="Ana Admin")

    html = signed_in(user).get("/").content.decode()

    assert "<title>Início · Consórcio</title>" in html
    assert "Olá, <strong>Ana Admin</strong>." in html
    assert "Seus papéis: Administrador, Financeiro." in html
    assert 'data-testid="shortcuts"' in html
    assert "Nenhuma tarefa longa recente." in html


def test_a_visitor_is_sent_from_home_to_the_login_page(client):
    response = client.get("/")

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('accounts:login')}?next=/"
