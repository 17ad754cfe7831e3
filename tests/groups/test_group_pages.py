"""Group staff pages: create a group, edit or amend its rules, move it along its lifecycle."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django import forms
from django.test import Client

from apps.accounts.roles import Role
from apps.accounts.services import roles
from apps.groups.group_forms import RulesForm
from apps.groups.models import ConsortiumGroup, GroupRules
from apps.groups.services import lifecycle
from apps.groups.services.plans import RULE_FIELDS
from tests.accounts.factories import UserFactory
from tests.api.conftest import unique_address

pytestmark = pytest.mark.django_db

GROUP_DATA = {
    "code": "IMV-0101",
    "name": "Imóveis 101",
    "segment": "real_estate",
    "reference_credit_value": "250.000,00",
    "term_months": "200",
    "max_quotas": "400",
}


def _browser(role):
    browser = Client(REMOTE_ADDR=unique_address())
    browser.force_login(roles.assign_roles(user=UserFactory(), roles=[role]))
    return browser


def _defaults(browser, url):
    """The form's fields as the page fills them (what a user submits without changing)."""
    form = browser.get(url).context["form"]
    data = {}
    for name, field in form.fields.items():
        value = form[name].value()
        if isinstance(field, forms.BooleanField):
            if value:
                data[name] = "on"
        elif isinstance(field, forms.ChoiceField):
            data[name] = value
        elif value is not None:
            data[name] = field.widget.format_value(value) or ""
    return data


def _rules_data(browser, group, **changes):
    return {**_defaults(browser, f"/grupos/{group.pk}/regras/"), **changes}


def test_operations_create_a_group_with_the_default_rules_of_part_a():
    browser = _browser(Role.OPERATIONS)
    data = {**_defaults(browser, "/grupos/novo/"), **GROUP_DATA}

    response = browser.post("/grupos/novo/", data, follow=True)

    group = ConsortiumGroup.objects.get(code="IMV-0101")
    assert response.redirect_chain[-1][0] == f"/grupos/{group.pk}/"
    assert "Grupo IMV-0101 criado (em formação)." in response.content.decode()
    assert group.reference_credit_value == Decimal("250000.00")
    assert (group.term_months, group.max_quotas, group.state) == (200, 400, "formation")
    rules = group.current_rules
    assert rules.version == 1
    assert (rules.admin_fee_total, rules.reserve_fund) == (Decimal("0.15"), Decimal("0.02"))
    assert (rules.late_fine, rules.late_interest_monthly) == (Decimal("0.02"), Decimal("0.01"))
    assert rules.late_group_share == Decimal("0.5")
    assert (rules.exclusion_threshold, rules.draws_per_assembly) == (3, 1)
    assert (rules.draw_method, rules.search_direction) == ("A", "up_first")
    assert rules.bid_closing_time == dt.time(23, 59)
    assert (rules.eligibility_cutoff_days_before, rules.bid_payment_business_days) == (1, 3)
    assert rules.regime == "res_285"


def test_percentages_typed_with_a_comma_are_stored_as_fractions_of_the_credit():
    browser = _browser(Role.ADMIN)
    data = {
        **_defaults(browser, "/grupos/novo/"),
        **GROUP_DATA,
        "admin_fee_total": "18,5",
        "admin_fee_upfront": "1,25",
        "insurance": "0,0375",
    }
    browser.post("/grupos/novo/", data)

    rules = ConsortiumGroup.objects.get(code="IMV-0101").current_rules
    assert rules.admin_fee_total == Decimal("0.185")
    assert rules.admin_fee_upfront == Decimal("0.0125")
    assert rules.insurance == Decimal("0.000375")


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"late_group_share": "40"}, "late_group_share", "pelo menos 50%"),
        ({"admin_fee_upfront": "20"}, "admin_fee_upfront", "não pode passar da taxa"),
        ({"exclusion_threshold": "4"}, "exclusion_threshold", "no máximo 3 parcelas"),
        ({"fixed_bid_allowed": "on"}, "fixed_bid_fraction", "percentual do lance fixo"),
        ({"late_fine": "3"}, "late_fine", "no máximo 2%"),
        ({"term_months": "0"}, "term_months", "maior ou igual a 1"),
    ],
)
def test_a_rule_broken_is_shown_next_to_its_field_and_nothing_is_created(changes, field, message):
    browser = _browser(Role.OPERATIONS)
    data = {**_defaults(browser, "/grupos/novo/"), **GROUP_DATA, **changes}

    response = browser.post("/grupos/novo/", data)

    assert response.status_code == 200
    assert message in response.context["form"].errors[field][0]
    assert f'data-testid="field-errors-{field}"' in response.content.decode()
    assert not ConsortiumGroup.objects.exists()
    assert not GroupRules.objects.exists()


def test_a_duplicate_code_is_refused_next_to_the_code(group):
    browser = _browser(Role.OPERATIONS)
    data = {**_defaults(browser, "/grupos/novo/"), **GROUP_DATA, "code": group.code}

    response = browser.post("/grupos/novo/", data)

    assert "código já existe" in response.context["form"].errors["code"][0].lower()
    assert ConsortiumGroup.objects.count() == 1


def test_only_admin_and_operations_see_and_open_the_create_page():
    sales = _browser(Role.SALES)
    assert 'data-testid="group-create"' not in sales.get("/grupos/").content.decode()
    assert sales.get("/grupos/novo/").status_code == 403
    assert sales.post("/grupos/novo/", GROUP_DATA).status_code == 403
    assert not ConsortiumGroup.objects.exists()
    operations = _browser(Role.OPERATIONS).get("/grupos/").content.decode()
    assert 'href="/grupos/novo/"' in operations


def test_rules_of_a_group_without_members_are_edited_in_place(group):
    browser = _browser(Role.OPERATIONS)
    detail = browser.get(f"/grupos/{group.pk}/").content.decode()
    assert "Editar regras" in detail
    page = browser.get(f"/grupos/{group.pk}/regras/").content.decode()
    assert "são alteradas diretamente" in page
    assert 'value="15"' in page  # the fee in force, as a percentage

    response = browser.post(
        f"/grupos/{group.pk}/regras/", _rules_data(browser, group, reserve_fund="3")
    )

    assert response.status_code == 302
    group.refresh_from_db()
    assert group.current_rules.version == 1
    assert group.current_rules.reserve_fund == Decimal("0.03")
    assert GroupRules.objects.filter(group=group).count() == 1


def test_invalid_rules_edit_changes_nothing(group):
    browser = _browser(Role.OPERATIONS)
    response = browser.post(
        f"/grupos/{group.pk}/regras/",
        _rules_data(browser, group, reserve_fund="3", late_group_share="10"),
    )
    assert "pelo menos 50%" in response.context["form"].errors["late_group_share"][0]
    group.refresh_from_db()
    assert group.current_rules.reserve_fund == Decimal("0.02")


def test_a_group_with_members_offers_a_versioned_amendment_instead(group):
    lifecycle.constitute_group(group=group, on_date=dt.date(2026, 3, 10))
    browser = _browser(Role.ADMIN)
    assert "Aditar regras" in browser.get(f"/grupos/{group.pk}/").content.decode()
    page = browser.get(f"/grupos/{group.pk}/regras/").content.decode()
    assert "as regras mudam por aditamento" in page

    without_reason = browser.post(
        f"/grupos/{group.pk}/regras/", _rules_data(browser, group, refund_penalty="10")
    )
    assert without_reason.context["form"].errors["reason"]
    group.refresh_from_db()
    assert group.current_rules.version == 1

    browser.post(
        f"/grupos/{group.pk}/regras/",
        _rules_data(
            browser,
            group,
            refund_penalty="10",
            reason="AGE de 10/04/2026",
            effective_from="2026-04-10",
        ),
    )
    group.refresh_from_db()
    amended = group.current_rules
    assert (amended.version, amended.refund_penalty) == (2, Decimal("0.1"))
    assert amended.effective_from == dt.date(2026, 4, 10)
    assert GroupRules.objects.get(group=group, version=1).refund_penalty == Decimal("0")


def test_an_amendment_that_changes_nothing_is_refused(group):
    lifecycle.constitute_group(group=group, on_date=dt.date(2026, 3, 10))
    browser = _browser(Role.OPERATIONS)
    response = browser.post(
        f"/grupos/{group.pk}/regras/", _rules_data(browser, group, reason="Sem mudança")
    )
    assert "O aditamento não altera nenhuma regra." in response.content.decode()
    assert GroupRules.objects.filter(group=group).count() == 1


def test_a_closed_group_offers_no_rules_change(group):
    lifecycle.constitute_group(group=group, on_date=dt.date(2026, 3, 10))
    lifecycle.start_closing(group=group, on_date=dt.date(2034, 7, 10))
    lifecycle.close_group(group=group, on_date=dt.date(2034, 11, 10))
    browser = _browser(Role.ADMIN)
    assert 'data-testid="group-rules"' not in browser.get(f"/grupos/{group.pk}/").content.decode()
    page = browser.get(f"/grupos/{group.pk}/regras/").content.decode()
    assert "Um grupo encerrado não pode ter suas regras alteradas." in page
    assert 'data-testid="group-form"' not in page


def test_the_lifecycle_buttons_follow_the_state_machine(group):
    browser = _browser(Role.OPERATIONS)
    detail = browser.get(f"/grupos/{group.pk}/").content.decode()
    assert 'data-testid="transition-running"' in detail
    assert 'data-testid="transition-closing"' not in detail
    assert "data-confirm=" in detail

    response = browser.post(
        f"/grupos/{group.pk}/situacao/",
        {"to_state": "running", "on_date": "2026-03-10"},
        follow=True,
    )

    page = response.content.decode()
    assert f"Grupo {group.code} agora está em andamento." in page
    assert 'data-testid="transition-closing"' in page
    group.refresh_from_db()
    assert (group.state, group.constituted_on) == ("running", dt.date(2026, 3, 10))


def test_a_transition_the_machine_lacks_is_refused_and_changes_nothing(group):
    browser = _browser(Role.ADMIN)
    response = browser.post(
        f"/grupos/{group.pk}/situacao/",
        {"to_state": "closed", "on_date": "2026-03-10"},
        follow=True,
    )
    assert "não pode passar a encerrado" in response.content.decode()
    group.refresh_from_db()
    assert (group.state, group.closed_on) == ("formation", None)


def test_sales_staff_see_no_lifecycle_buttons_and_may_not_post_them(group):
    browser = _browser(Role.SALES)
    assert (
        'data-testid="group-transitions"'
        not in browser.get(f"/grupos/{group.pk}/").content.decode()
    )
    response = browser.post(
        f"/grupos/{group.pk}/situacao/", {"to_state": "running", "on_date": "2026-03-10"}
    )
    assert response.status_code == 403
    group.refresh_from_db()
    assert group.state == "formation"


def test_the_rules_form_asks_for_every_rule_a_group_holds():
    assert set(RulesForm.RULE_NAMES) == set(RULE_FIELDS)
