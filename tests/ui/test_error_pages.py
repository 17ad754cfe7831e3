"""Error pages in Portuguese (403, 404, 500, CSRF failure); problem+json under /api/."""

from __future__ import annotations

import pytest
from django.test import Client, RequestFactory

from apps.accounts.models import SalesChannel
from apps.accounts.roles import Role
from config import urls as project_urls
from consorcio.views import server_error

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.ui.urls")]


def test_the_project_routes_its_error_pages_to_the_kernel_handlers():
    assert project_urls.handler403 == "consorcio.views.permission_denied"
    assert project_urls.handler404 == "consorcio.views.page_not_found"
    assert project_urls.handler500 == "consorcio.views.server_error"


def test_an_unknown_address_answers_404_in_portuguese_with_the_shell(
    settings, make_staff, signed_in
):
    settings.DEBUG = False
    client = signed_in(make_staff(Role.AUDITOR, full_name="Augusto Auditor"))

    response = client.get("/contas/nao-existe/")

    html = response.content.decode()
    assert response.status_code == 404
    assert '<html lang="pt-BR">' in html
    assert "Página não encontrada" in html
    assert "Voltar ao início" in html
    assert "Augusto Auditor" in html  # the header of the shell is there
    assert "Not Found" not in html


def test_a_refused_page_answers_403_in_portuguese(settings, make_staff, signed_in):
    settings.DEBUG = False
    response = signed_in(make_staff(Role.SALES)).get("/teste/proibido/")

    assert response.status_code == 403
    assert "Acesso negado" in response.content.decode()
    assert "Você não tem permissão para acessar esta página." in response.content.decode()


def test_a_list_page_refuses_a_user_without_its_permission(make_staff, signed_in):
    SalesChannel.objects.create(code="filial-sul", name="Filial Sul")

    response = signed_in(make_staff()).get("/teste/canais/")

    assert response.status_code == 403
    assert "Filial Sul" not in response.content.decode()


def test_a_list_page_with_the_permission_filters_by_a_boolean_choice(make_staff, signed_in):
    SalesChannel.objects.create(code="filial-sul", name="Filial Sul")
    SalesChannel.objects.create(code="parceiro-x", name="Parceiro X", is_active=False)
    user = make_staff(is_superuser=True)

    html = signed_in(user).get("/teste/canais/", {"ativo": "0"}).content.decode()

    assert "Parceiro X" in html
    assert "Filial Sul" not in html
    assert "<td>Não</td>" in html


def test_a_crash_answers_500_in_portuguese_from_the_plain_template(settings, make_staff):
    settings.DEBUG = False
    client = Client(raise_request_exception=False)
    client.force_login(make_staff(Role.ADMIN, full_name="Ana Admin"))

    response = client.get("/teste/quebrado/")

    html = response.content.decode()
    assert response.status_code == 500
    assert "Erro interno" in html
    assert "Algo deu errado do nosso lado" in html
    assert "falha proposital" not in html  # nothing internal leaks
    assert "Ana Admin" not in html  # no context processors, no user


def test_the_500_page_renders_without_touching_the_database(django_assert_num_queries):
    request = RequestFactory().get("/qualquer/")

    with django_assert_num_queries(0):
        response = server_error(request)

    assert response.status_code == 500
    assert "Erro interno" in response.content.decode()


def test_api_addresses_answer_problem_json_instead_of_pages(settings, make_staff):
    settings.DEBUG = False
    client = Client(raise_request_exception=False)
    client.force_login(make_staff(Role.ADMIN))

    missing = client.get("/api/v1/nao-existe/")
    crashed = client.get("/api/v1/teste/quebrado/")

    assert missing.status_code == 404
    assert missing["Content-Type"] == "application/problem+json"
    assert missing.json()["code"] == "not_found"
    assert crashed.status_code == 500
    assert crashed.json()["code"] == "internal_error"
    assert "falha proposital" not in crashed.content.decode()


def test_a_post_without_csrf_token_gets_the_portuguese_expired_form_page(make_staff):
    client = Client(enforce_csrf_checks=True)
    client.force_login(make_staff(Role.ADMIN))

    response = client.post("/tarefas/")

    assert response.status_code == 403
    assert "Formulário expirado" in response.content.decode()


def test_a_visitor_gets_the_portuguese_404_without_the_staff_menu(settings, client):
    settings.DEBUG = False

    response = client.get("/nao-existe/")

    html = response.content.decode()
    assert response.status_code == 404
    assert "Página não encontrada" in html
    assert "main-nav" not in html
    assert "logout-form" not in html
