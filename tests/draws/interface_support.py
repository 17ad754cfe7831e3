"""Helpers of the assembly pages, API, commands and minutes tests.

An assembly whose bidding is still ahead (the pages and the API place bids at the real time,
which the March 2026 assembly of ``assembly_support`` has long passed): a group constituted at
a first assembly two months from now, holders sold today (nothing due before the cut-off, so
every holder is eligible), money seeded in its common fund, and that first assembly generated
from the calendar. Users per role sign in through Django's test client.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.contrib.auth.models import Group
from django.test import Client
from django.utils import timezone

from apps.accounts.models import User
from apps.accounts.roles import Role
from apps.draws.models import Assembly
from apps.draws.services import assemblies
from apps.groups.services import calendar, lifecycle
from tests.draws.assembly_support import WORKED_EXAMPLE_PRIZES, seed_fund
from tests.finance.billing_support import billing_group
from tests.finance.delinquency_support import holder

PASSWORD = "senha-das-assembleias-123"
PRIZES = WORKED_EXAMPLE_PRIZES  # DOMAIN.md §3.3: 48602 mod Q...


def first_assembly_day() -> dt.date:
    """The assembly day (the 10th, moved to a business day) of the month after next."""
    today = timezone.localdate()
    index = today.year * 12 + today.month - 1 + 2
    year, month = divmod(index, 12)
    return calendar.next_business_day(dt.date(year, month + 1, 10))


def upcoming_assembly(
    actor, *, max_quotas: int = 12, eligible=(3, 7, 12), fund: str = "250000.00", **rules
) -> Assembly:
    """A scheduled first assembly (bidding ahead) of a group whose ``eligible`` holders
    compete, with ``fund`` in its common fund."""
    day = first_assembly_day()
    group = billing_group(actor, max_quotas=max_quotas, rules=rules)
    group = lifecycle.constitute_group(group=group, on_date=day)
    today = timezone.localdate()
    for number in eligible:
        holder(group, number, sold_on=today)
    if Decimal(fund):
        seed_fund(group, fund)
    (assembly,) = assemblies.generate_assemblies(group=group, start=day, count=1)
    return assembly


def prizes_day() -> dt.date:
    """The latest extraction day the operator can record (today: on or before the assembly)."""
    return timezone.localdate()


def signed_in(role: Role, username: str) -> tuple[Client, User]:
    user = User.objects.create_user(username=username, password=PASSWORD)
    user.groups.add(Group.objects.get(name=role.value))
    client = Client()
    client.force_login(user)
    return client, user
