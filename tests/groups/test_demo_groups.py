"""Demo groups (``seed_demo_groups``): groups in several segments and states, sold quotas.

The loader runs here on a trimmed copy of the demo set (each sale issues a contract PDF, so
all of them would cost the suite too much); the command itself is run for its refusal.
"""

from __future__ import annotations

import dataclasses
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from apps.accounts.services.demo import load_demo_data
from apps.groups import demo
from apps.groups.models import ConsortiumGroup, GroupState, QuotaObligation, QuotaVersion
from apps.members.demo import load_demo_members
from tests.members.support import ensure_member_permissions

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_people():
    ensure_member_permissions()
    load_demo_data(admin_username="admin", password="consorcio-demo")
    load_demo_members()


def _trimmed():
    by_code = {spec.code: spec for spec in demo.DEMO_GROUPS}
    return (
        # Running, with an up-front fee: one sale by the representative, one by the head office.
        dataclasses.replace(by_code["AUT-0201"], sold=2, sold_by_representative=1),
        dataclasses.replace(by_code["SRV-0401"], sold=1),
        dataclasses.replace(by_code["IMV-0001"], sold=1),  # closing
    )


def test_the_demo_set_covers_several_segments_and_every_state_before_closed():
    assert {spec.segment for spec in demo.DEMO_GROUPS} >= {
        "real_estate",
        "vehicles",
        "motorcycles",
        "services",
    }
    assert {spec.state for spec in demo.DEMO_GROUPS} == {
        GroupState.FORMATION,
        GroupState.RUNNING,
        GroupState.CLOSING,
    }
    assert 20 <= sum(spec.sold for spec in demo.DEMO_GROUPS) <= 36  # a few dozen sales


def _snapshot():
    return (
        list(
            ConsortiumGroup.objects.order_by("code").values_list("code", "state", "current_rules")
        ),
        list(QuotaVersion.objects.order_by("pk").values_list("pk", "status")),
        QuotaObligation.objects.count(),
    )


def test_demo_groups_are_created_sold_and_moved_to_their_states_once(demo_people):
    steps = []
    result = demo.load_demo_groups(progress=steps.append, specs=_trimmed())

    assert (result.groups_created, result.quotas_sold, result.transitions) == (3, 4, 3)
    assert sum(steps) == demo.total_steps(_trimmed())
    states = dict(ConsortiumGroup.objects.values_list("code", "state"))
    assert states == {"AUT-0201": "running", "SRV-0401": "formation", "IMV-0001": "closing"}
    cars = ConsortiumGroup.objects.get(code="AUT-0201")
    versions = QuotaVersion.objects.filter(quota__group=cars).order_by("quota__number")
    assert [(v.quota.number, v.status) for v in versions] == [(1, "active"), (2, "active")]
    assert versions[0].sales_representative is not None  # sold by "vendas"
    assert versions[1].sales_representative is None  # sold by the head office
    # The plan's up-front fee (1% of R$ 80.000,00) became an obligation of each sale.
    fees = QuotaObligation.objects.filter(quota_version__quota__group=cars)
    assert sorted(fee.amount for fee in fees) == [800, 800]
    assert cars.constituted_on.isoformat() == "2026-02-10"

    before = _snapshot()
    again = demo.load_demo_groups(specs=_trimmed())
    assert (again.groups_created, again.quotas_sold, again.transitions) == (0, 0, 0)
    assert _snapshot() == before


def test_the_command_asks_for_the_other_demo_commands_first():
    with pytest.raises(CommandError, match="seed_demo"):
        call_command("seed_demo_groups", verbosity=0, stdout=StringIO())
    assert not ConsortiumGroup.objects.exists()
