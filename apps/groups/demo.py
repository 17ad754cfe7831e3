"""Demo groups: six groups in different segments and states, with quotas sold to demo members.

Everything goes through the real services (``plans.create_group``, ``sales.reserve_quota`` +
``confirm_sale``, ``lifecycle``), so quota versions, obligations (up-front fees), contracts
and events are the ones a real sale makes. Requires ``seed_demo`` (the ``operacoes`` and
``vendas`` users) and ``seed_demo_members`` first. Idempotent: a group whose code exists is
not created again, a quota number already sold is not sold again, a transition already made is
not repeated; a run interrupted half-way is completed by the next one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model
from django.utils import timezone

from apps.groups import selectors
from apps.groups.models import ConsortiumGroup, GroupState
from apps.groups.services import lifecycle, plans, sales
from apps.members import selectors as member_selectors

if TYPE_CHECKING:
    from apps.accounts.models import User
    from apps.members.models import Member

HEAD_OFFICE_USERNAME = "operacoes"
REPRESENTATIVE_USERNAME = "vendas"
_STATE_ORDER = (GroupState.FORMATION, GroupState.RUNNING, GroupState.CLOSING, GroupState.CLOSED)


@dataclass(frozen=True)
class DemoGroup:
    """One demo group: its terms, rules, target state (with dates) and how many quotas sold."""

    code: str
    name: str
    segment: str
    credit: Decimal
    term_months: int
    max_quotas: int
    rules: dict[str, Any]
    state: GroupState
    sold: int
    sold_by_representative: int = 0
    dates: dict[GroupState, dt.date] = field(default_factory=dict)


def _rules(index: str, fee: str, reserve: str, **more: Any) -> dict[str, Any]:
    return {
        "contract_version": "2026.1",
        "adjustment_index": index,
        "admin_fee_total": Decimal(fee),
        "reserve_fund": Decimal(reserve),
        **more,
    }


DEMO_GROUPS: tuple[DemoGroup, ...] = (
    DemoGroup(
        code="IMV-0101",
        name="Imóveis 200 meses",
        segment="real_estate",
        credit=Decimal("300000.00"),
        term_months=200,
        max_quotas=400,
        rules=_rules("incc", "0.18", "0.02", insurance=Decimal("0.01")),
        state=GroupState.RUNNING,
        sold=6,
        sold_by_representative=2,
        dates={GroupState.RUNNING: dt.date(2025, 9, 10)},
    ),
    DemoGroup(
        code="AUT-0201",
        name="Automóveis 60 meses",
        segment="vehicles",
        credit=Decimal("80000.00"),
        term_months=60,
        max_quotas=120,
        rules=_rules(
            "ipca",
            "0.14",
            "0.02",
            admin_fee_upfront=Decimal("0.01"),
            embedded_bid_allowed=True,
            embedded_bid_max_fraction=Decimal("0.3"),
        ),
        state=GroupState.RUNNING,
        sold=7,
        sold_by_representative=2,
        dates={GroupState.RUNNING: dt.date(2026, 2, 10)},
    ),
    DemoGroup(
        code="MOT-0301",
        name="Motocicletas 48 meses",
        segment="motorcycles",
        credit=Decimal("18000.00"),
        term_months=48,
        max_quotas=100,
        rules=_rules(
            "ipca", "0.16", "0.03", fixed_bid_allowed=True, fixed_bid_fraction=Decimal("0.25")
        ),
        state=GroupState.FORMATION,
        sold=4,
        sold_by_representative=1,
    ),
    DemoGroup(
        code="SRV-0401",
        name="Serviços 36 meses",
        segment="services",
        credit=Decimal("15000.00"),
        term_months=36,
        max_quotas=80,
        rules=_rules("ipca", "0.2", "0.02"),
        state=GroupState.FORMATION,
        sold=2,
    ),
    DemoGroup(
        code="ELE-0501",
        name="Eletrônicos e bens duráveis 24 meses",
        segment="durable_goods",
        credit=Decimal("8000.00"),
        term_months=24,
        max_quotas=60,
        rules=_rules("ipca", "0.15", "0.02"),
        state=GroupState.FORMATION,
        sold=2,
    ),
    DemoGroup(
        code="IMV-0001",
        name="Imóveis 84 meses (Circular 3.432)",
        segment="real_estate",
        credit=Decimal("150000.00"),
        term_months=84,
        max_quotas=150,
        rules=_rules("incc", "0.16", "0.02", regime="circular_3432", exclusion_threshold=2),
        state=GroupState.CLOSING,
        sold=4,
        dates={GroupState.RUNNING: dt.date(2019, 3, 11), GroupState.CLOSING: dt.date(2026, 2, 10)},
    ),
)


@dataclass
class DemoGroupsResult:
    """What a run did (zeros on a second run)."""

    groups_created: int = 0
    quotas_sold: int = 0
    transitions: int = 0


class DemoPrerequisiteMissing(Exception):
    """``seed_demo`` or ``seed_demo_members`` has not run yet."""


def total_steps(specs: Sequence[DemoGroup] = DEMO_GROUPS) -> int:
    """The steps a progress bar counts: one per group and one per planned sale."""
    return sum(1 + spec.sold for spec in specs)


def _user(username: str) -> User:
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise DemoPrerequisiteMissing(
            f"Usuário '{username}' não encontrado: rode `manage.py seed_demo` antes."
        )
    return user


def _members(actor: User) -> list[Member]:
    return list(member_selectors.visible_members(actor).order_by("document"))


def _group(spec: DemoGroup, actor: User) -> tuple[ConsortiumGroup, bool]:
    existing = selectors.groups().filter(code=spec.code).first()
    if existing is not None:
        return existing, False
    group = plans.create_group(
        code=spec.code,
        name=spec.name,
        segment=spec.segment,
        reference_credit_value=spec.credit,
        term_months=spec.term_months,
        max_quotas=spec.max_quotas,
        rules=spec.rules,
        actor=actor,
    )
    return group, True


def _sell(
    spec: DemoGroup,
    group: ConsortiumGroup,
    sellers: tuple[tuple[User, list[Member]], tuple[User, list[Member]]],
    offset: int,
    step: Callable[[int], None],
) -> int:
    """Sell quotas 1..``spec.sold`` not sold yet; the first ones by the representative."""
    if group.state != GroupState.FORMATION:
        step(spec.sold)  # sold before the group left formation (or never: nothing to redo)
        return 0
    free = set(selectors.free_quota_numbers(group))
    sold = 0
    for number in range(1, spec.sold + 1):
        seller, members = sellers[0] if number <= spec.sold_by_representative else sellers[1]
        if number in free and members:
            member = members[(offset + number) % len(members)]
            reservation = sales.reserve_quota(
                actor=seller, group=group, member=member, number=number
            )
            sales.confirm_sale(actor=seller, reservation=reservation, contract_accepted=True)
            sold += 1
        step(1)
    return sold


def _move_to_target(spec: DemoGroup, group: ConsortiumGroup) -> int:
    moves = 0
    target = _STATE_ORDER.index(spec.state)
    while _STATE_ORDER.index(GroupState(group.state)) < target:
        following = _STATE_ORDER[_STATE_ORDER.index(GroupState(group.state)) + 1]
        lifecycle.transition_group(
            group=group, to_state=following, on_date=spec.dates.get(following, timezone.localdate())
        )
        moves += 1
    return moves


def load_demo_groups(
    progress: Callable[[int], None] | None = None, specs: Sequence[DemoGroup] = DEMO_GROUPS
) -> DemoGroupsResult:
    """Create the demo groups, sell their quotas and move them to their states (idempotent).

    ``progress(n)`` is called as steps finish (``total_steps`` in all).
    """
    step = progress or (lambda _n: None)
    head_office, representative = _user(HEAD_OFFICE_USERNAME), _user(REPRESENTATIVE_USERNAME)
    everyone, own = _members(head_office), _members(representative)
    if not everyone:
        raise DemoPrerequisiteMissing(
            "Nenhum consorciado cadastrado: rode `manage.py seed_demo_members` antes."
        )
    result = DemoGroupsResult()
    for offset, spec in enumerate(specs):
        group, created = _group(spec, head_office)
        result.groups_created += created
        step(1)
        result.quotas_sold += _sell(
            spec, group, ((representative, own), (head_office, everyone)), offset * 7, step
        )
        result.transitions += _move_to_target(spec, group)
    return result
