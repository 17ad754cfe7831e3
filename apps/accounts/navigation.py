"""The staff menu, by role: a declarative list of entries, filtered for each user.

An entry names a URL, the roles that see it (``None``: every signed-in staff user) and,
optionally, a permission the user must also hold. Superusers see everything. Later contexts
add their pages here; a test checks that every entry's URL resolves, so an entry is added in
the same change as its page. Hiding an entry is a convenience, not the access rule: each page
still checks its own permission.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser
from django.urls import NoReverseMatch, reverse

from apps.accounts.models import User
from apps.accounts.roles import Role

ALL_ROLES: frozenset[Role] = frozenset(Role)


@dataclass(frozen=True)
class MenuEntry:
    """One item of the staff menu (and a shortcut card on the home page)."""

    label: str
    url_name: str
    roles: frozenset[Role] | None = None
    permission: str | None = None
    description: str = ""
    in_menu: bool = True


@dataclass(frozen=True)
class NavItem:
    """A menu entry as one user sees it: its resolved URL and whether it is the current page."""

    label: str
    url: str
    active: bool
    description: str
    in_menu: bool


MENU: tuple[MenuEntry, ...] = (
    MenuEntry("Início", "home", in_menu=False, description="Suas tarefas recentes e atalhos."),
    MenuEntry(
        "Painel",
        "reports:dashboard",
        description="Números e gráficos: consorciados, grupos por situação, cotas vendidas.",
    ),
    MenuEntry(
        "Minhas tarefas",
        "jobs-list",
        description="Acompanhe o progresso das tarefas longas que você iniciou.",
    ),
    MenuEntry(
        "Membros",
        "members:list",
        permission="members.view_member",
        description="Consorciados: cadastro, busca e consentimentos.",
    ),
    MenuEntry(
        "Grupos",
        "groups:list",
        permission="groups.view_consortiumgroup",
        description="Grupos de consórcio: regras, calendário de assembleias e parcelas.",
    ),
    MenuEntry(
        "Vender cota",
        "groups:sale_start",
        permission="groups.add_quotaversion",
        description="Reserve uma cota para um consorciado e confirme a venda.",
    ),
    MenuEntry(
        "Assembleias",
        "draws:list",
        permission="draws.view_assembly",
        description="Calendário de assembleias: lances, sorteio, apuração, resultado e ata.",
    ),
    MenuEntry(
        "Documentos",
        "documents:list",
        permission="documents.view_document",
        description="Contratos e documentos enviados: versões e downloads por link temporário.",
    ),
    MenuEntry(
        "Usuários",
        "accounts:user_list",
        permission="accounts.view_user",
        description="Colaboradores, papéis, bloqueio e autenticação em duas etapas.",
    ),
    MenuEntry(
        "Canais de venda",
        "accounts:channel_list",
        permission="accounts.view_saleschannel",
        description="Filiais e parceiros que vendem cotas.",
    ),
    MenuEntry(
        "Representantes",
        "accounts:representative_list",
        permission="accounts.view_salesrepresentative",
        description="Representantes de vendas e seus canais.",
    ),
    MenuEntry(
        "Pagamentos",
        "finance:payment_list",
        permission="finance.view_payment",
        description="Pagamentos recebidos: por grupo, origem e período; busca por liquidação.",
    ),
    MenuEntry(
        "Faturamento",
        "finance:billing_run_list",
        permission="finance.view_billingrun",
        description="Faturamento mensal por competência, com progresso e total gerado.",
    ),
    MenuEntry(
        "Arquivos de retorno",
        "finance:bank_file_list",
        permission="finance.view_bankfile",
        description="Retornos CNAB 240/400: envio, progresso e resultado linha a linha.",
    ),
    MenuEntry(
        "Convênios bancários",
        "finance:bank_agreement_list",
        permission="finance.view_bankagreement",
        description="Convênios de cobrança por banco e grupo, com a faixa de nosso número.",
    ),
    MenuEntry(
        "Inadimplência",
        "finance:delinquency_list",
        permission="finance.view_delinquencystatus",
        description="Cotas em atraso, exportação CSV/XLSX e propostas de exclusão.",
    ),
    MenuEntry(
        "Saldos dos fundos",
        "finance:fund_balances",
        permission="finance.view_accountbalance",
        description="Fundo comum, fundo de reserva e demais contas de cada grupo, com gráfico.",
    ),
    MenuEntry(
        "API",
        "api:docs",
        roles=frozenset({Role.ADMIN}),
        description="Documentação da API REST para integradores (Swagger UI).",
    ),
    MenuEntry(
        "Administração",
        "admin:index",
        roles=frozenset({Role.ADMIN}),
        description="Cadastros do sistema (Django admin).",
    ),
)


def user_role_names(user: User | AnonymousUser) -> frozenset[str]:
    """The names of the user's groups, read once per user object (cached on it)."""
    if not user.is_authenticated:
        return frozenset()
    cached: frozenset[str] | None = getattr(user, "_role_names_cache", None)
    if cached is None:
        cached = frozenset(user.groups.values_list("name", flat=True))
        setattr(user, "_role_names_cache", cached)  # noqa: B010 (not a model field)
    return cached


def visible_entries(
    user: User | AnonymousUser, entries: Iterable[MenuEntry] = MENU
) -> list[MenuEntry]:
    """The entries this user may see: by role (superusers: all), then by permission."""
    if not user.is_authenticated:
        return []
    if user.is_superuser:
        return list(entries)
    roles = user_role_names(user)
    visible = []
    for entry in entries:
        if entry.roles is not None and not roles & {role.value for role in entry.roles}:
            continue
        if entry.permission and not user.has_perm(entry.permission):
            continue
        visible.append(entry)
    return visible


def menu_for(
    user: User | AnonymousUser, current_path: str, entries: Iterable[MenuEntry] = MENU
) -> list[NavItem]:
    """The user's menu with URLs resolved; the entry whose URL is the longest prefix of
    ``current_path`` is the active one. An entry whose URL does not resolve raises.
    """
    items: list[NavItem] = []
    for entry in visible_entries(user, entries):
        try:
            url = reverse(entry.url_name)
        except NoReverseMatch as exc:
            raise NoReverseMatch(f"menu entry {entry.label!r}: {exc}") from exc
        items.append(NavItem(entry.label, url, False, entry.description, entry.in_menu))
    matches = [
        item
        for item in items
        if current_path.startswith(item.url) and (item.url != "/" or current_path == "/")
    ]
    active = max(matches, key=lambda i: len(i.url), default=None)
    return [NavItem(i.label, i.url, i is active, i.description, i.in_menu) for i in items]
