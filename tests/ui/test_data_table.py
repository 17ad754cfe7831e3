"""The data table component through a real list page (the user's jobs at /tarefas/)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from apps.accounts.roles import Role
from consorcio.jobs import cancel_job, start_job
from consorcio.models import Job

pytestmark = pytest.mark.django_db

HTMX_RESULTS = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "jobs-results"}


def _rows(html: str) -> list[str]:
    """The descriptions shown in the table body, in order."""
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0] if "<tbody>" in html else ""
    return re.findall(r'<td><a href="/tarefas/[0-9a-f-]+/">([^<]+)</a></td>', body)


@pytest.fixture
def operator(make_staff):
    return make_staff(Role.OPERATIONS, full_name="Olívia Operações")


def _jobs(user, *descriptions: str) -> list[Job]:
    base = timezone.now()
    jobs = []
    for offset, description in enumerate(descriptions):
        job = start_job(kind="reports.export", description=description, started_by=user)
        # Creation order is the default sort (newest first); make it explicit.
        Job.objects.filter(pk=job.pk).update(created_at=base - timedelta(minutes=offset))
        jobs.append(job)
    return jobs


def test_the_list_shows_only_the_users_own_jobs_newest_first(operator, make_staff, signed_in):
    _jobs(operator, "Remessa de março", "Remessa de fevereiro")
    _jobs(make_staff(Role.FINANCE), "Cobrança de outra pessoa")

    response = signed_in(operator).get("/tarefas/")

    assert response.status_code == 200
    html = response.content.decode()
    assert _rows(html) == ["Remessa de março", "Remessa de fevereiro"]
    assert "Cobrança de outra pessoa" not in html
    assert "2 registros" in html


def test_live_search_answers_only_the_results_fragment_with_matching_rows(operator, signed_in):
    _jobs(operator, "Remessa de março", "Relatório de inadimplência", "Remessa de abril")

    response = signed_in(operator).get("/tarefas/", {"q": "remessa"}, **HTMX_RESULTS)

    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="jobs-results"')
    assert "<html" not in html
    assert "filter-bar" not in html
    assert _rows(html) == ["Remessa de março", "Remessa de abril"]
    assert "HX-Request" in response["Vary"]


def test_the_same_search_without_htmx_renders_the_whole_page_with_the_term_kept(
    operator, signed_in
):
    _jobs(operator, "Remessa de março", "Relatório de inadimplência")

    html = signed_in(operator).get("/tarefas/", {"q": "relat"}).content.decode()

    assert "<html" in html
    assert 'name="q" value="relat"' in html
    assert _rows(html) == ["Relatório de inadimplência"]


def test_the_search_box_asks_htmx_for_the_results_300ms_after_typing(operator, signed_in):
    html = signed_in(operator).get("/tarefas/").content.decode()

    search = re.search(r'<input type="search"[^>]*>', html, re.S).group(0)
    assert 'hx-trigger="input changed delay:300ms, search"' in search
    assert 'hx-target="#jobs-results"' in search
    assert 'hx-include="closest form"' in search


def test_a_choice_filter_keeps_only_matching_rows_and_an_unknown_value_is_ignored(
    operator, signed_in
):
    _running, cancelled = _jobs(operator, "Em andamento", "Cancelada")
    cancel_job(cancelled)
    client = signed_in(operator)

    filtered = client.get("/tarefas/", {"situacao": "cancelled"}, **HTMX_RESULTS)
    unknown = client.get("/tarefas/", {"situacao": "inventado"}, **HTMX_RESULTS)

    assert _rows(filtered.content.decode()) == ["Cancelada"]
    assert _rows(unknown.content.decode()) == ["Em andamento", "Cancelada"]


def test_clicking_a_sortable_header_sorts_and_a_second_click_reverses(operator, signed_in):
    _jobs(operator, "Bravo", "Alfa", "Charlie")
    client = signed_in(operator)

    ascending = client.get("/tarefas/", {"sort": "description"}).content.decode()
    descending = client.get("/tarefas/", {"sort": "-description"}).content.decode()

    assert _rows(ascending) == ["Alfa", "Bravo", "Charlie"]
    assert _rows(descending) == ["Charlie", "Bravo", "Alfa"]
    # The header of the sorted column links to the opposite direction and says where it is.
    assert re.search(
        r'aria-sort="ascending">\s*<a class="sort" href="/tarefas/\?sort=-description"', ascending
    )
    assert re.search(
        r'aria-sort="descending">\s*<a class="sort" href="/tarefas/\?sort=description"', descending
    )


def test_an_unknown_sort_column_falls_back_to_the_default_order(operator, signed_in):
    _jobs(operator, "Bravo", "Alfa")

    html = signed_in(operator).get("/tarefas/", {"sort": "started_by__password"}).content.decode()

    assert _rows(html) == ["Bravo", "Alfa"]


def test_pagination_splits_rows_and_its_links_keep_search_and_sort(operator, signed_in):
    _jobs(operator, *[f"Remessa {n:02d}" for n in range(25)], "Outra coisa")
    client = signed_in(operator)

    first = client.get("/tarefas/", {"q": "remessa", "sort": "description"}).content.decode()
    second = client.get(
        "/tarefas/", {"q": "remessa", "sort": "description", "page": "2"}
    ).content.decode()

    assert _rows(first) == [f"Remessa {n:02d}" for n in range(20)]
    assert _rows(second) == [f"Remessa {n:02d}" for n in range(20, 25)]
    assert "Mostrando 1\u201320 de 25" in first  # en dash
    assert 'href="/tarefas/?q=remessa&amp;sort=description&amp;page=2"' in first
    assert 'href="/tarefas/?q=remessa&amp;sort=description&amp;page=1"' in second
    assert '<span aria-current="page">2</span>' in second


def test_a_page_past_the_end_shows_the_last_page_instead_of_failing(operator, signed_in):
    _jobs(operator, *[f"Remessa {n:02d}" for n in range(21)])

    response = signed_in(operator).get("/tarefas/", {"page": "99"})

    assert response.status_code == 200
    assert len(_rows(response.content.decode())) == 1


def test_a_user_without_jobs_sees_the_empty_state_and_no_table(operator, signed_in):
    html = signed_in(operator).get("/tarefas/").content.decode()

    assert "Você ainda não iniciou nenhuma tarefa longa." in html
    assert 'data-testid="empty-state"' in html
    assert "<table" not in html


def test_a_search_without_matches_says_so_instead_of_the_first_use_message(operator, signed_in):
    _jobs(operator, "Remessa de março")

    html = signed_in(operator).get("/tarefas/", {"q": "zzz"}, **HTMX_RESULTS).content.decode()

    assert "Nenhum resultado para os filtros escolhidos." in html
    assert "Você ainda não iniciou" not in html


def test_a_visitor_is_sent_to_the_login_page(client):
    response = client.get("/tarefas/", {"q": "x"})

    assert response.status_code == 302
    assert response["Location"].startswith("/contas/entrar/?next=/tarefas/")


def test_an_htmx_request_from_an_expired_session_redirects_the_whole_page_to_login(client):
    response = client.get("/tarefas/", {"q": "x"}, **HTMX_RESULTS)

    assert response.status_code == 204
    assert response["HX-Redirect"].startswith("/contas/entrar/?next=")
    assert response.content == b""
