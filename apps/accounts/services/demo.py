"""The demo data `make run` starts with: an administrator, one user per role, two channels."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from apps.accounts.models import SalesChannel, SalesRepresentative, User
from apps.accounts.roles import Role
from apps.accounts.services import channels, roles

# (username, full name, role) of the demo staff; all share the demo password.
DEMO_STAFF: tuple[tuple[str, str, Role], ...] = (
    ("operacoes", "Olívia Operações", Role.OPERATIONS),
    ("vendas", "Vitor Vendas", Role.SALES),
    ("financeiro", "Fernanda Financeiro", Role.FINANCE),
    ("credito", "Caio Crédito", Role.CREDIT),
    ("auditoria", "Augusta Auditoria", Role.AUDITOR),
)
DEMO_CHANNELS: tuple[tuple[str, str, str], ...] = (
    ("matriz", "Matriz São Paulo", SalesChannel.Kind.BRANCH),
    ("parceiro-demo", "Parceiro Demonstração", SalesChannel.Kind.PARTNER),
)
DEMO_REPRESENTATIVE = ("vendas", "parceiro-demo")


@dataclass(frozen=True)
class DemoData:
    """What ``load_demo_data`` left in place (created or already there)."""

    admin: User
    created_admin: bool
    staff: tuple[User, ...]


@transaction.atomic
def ensure_demo_admin(*, username: str, password: str, email: str = "") -> tuple[User, bool]:
    """Create the demo superuser, or reset its password and access if it exists.

    Idempotent: running it again never creates a second user. Returns the user and whether
    it was created.
    """
    user, created = User.objects.select_for_update().get_or_create(
        username=username,
        defaults={"email": email, "full_name": "Administrador de demonstração"},
    )
    user.is_staff = True
    user.is_superuser = True
    user.is_active = True
    user.set_password(password)
    user.save()
    roles.assign_roles(user=user, roles=[Role.ADMIN])
    return user, created


@transaction.atomic
def load_demo_data(*, admin_username: str, password: str) -> DemoData:
    """Load the whole demo set; running it again changes nothing but the passwords.

    Besides the administrator: one staff user per other role (same password), the channels
    "Matriz São Paulo" (branch) and "Parceiro Demonstração" (partner), and the sales user as
    the partner's representative, so the ownership scoping can be seen at once.
    """
    admin, created = ensure_demo_admin(
        username=admin_username, password=password, email="admin@example.com"
    )
    by_code = {}
    for code, name, kind in DEMO_CHANNELS:
        channel = SalesChannel.objects.filter(code=code).first()
        by_code[code] = channel or channels.create_sales_channel(code=code, name=name, kind=kind)
    staff = []
    for username, full_name, role in DEMO_STAFF:
        user, _ = User.objects.get_or_create(
            username=username,
            defaults={"full_name": full_name, "email": f"{username}@example.com"},
        )
        user.is_active = True
        user.set_password(password)
        user.save()
        roles.assign_roles(user=user, roles=[role])
        staff.append(user)
    rep_username, rep_channel = DEMO_REPRESENTATIVE
    rep_user = User.objects.get(username=rep_username)
    if not SalesRepresentative.objects.filter(user=rep_user).exists():
        channels.create_sales_representative(user=rep_user, channel=by_code[rep_channel])
    return DemoData(admin=admin, created_admin=created, staff=tuple(staff))
