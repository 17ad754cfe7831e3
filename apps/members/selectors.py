"""Reads of the members context: scoped lists, search, one member's record, masking.

Every read goes through the actor's ownership scope (`apps.accounts.selectors.authorization`):
a sales representative or a channel's API client reaches only the members it brought in.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Value
from django.db.models.functions import Lower

from apps.accounts.selectors.authorization import Actor, scope_queryset
from apps.members.models import Address, Consent, ImmutableUnaccent, Member

PERSONAL_DATA_PERMISSION = "members.view_personal_data"
# The fields a full record shows (what the personal-data access log names).
RECORD_FIELDS = (
    "name",
    "document",
    "birth_date",
    "email",
    "phones",
    "addresses",
    "monthly_income",
    "refuses_disclosure",
    "consents",
)
_MASK_CHARS = re.compile(r"^[\d.\-/\s]+$")
_NON_DIGITS = re.compile(r"\D")


@dataclass(frozen=True)
class MemberFilters:
    """Optional filters of a member search: kind (PF/PJ), primary address UF, channel id."""

    kind: str = ""
    uf: str = ""
    channel_id: int | None = None

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> MemberFilters:
        """Read ``kind``/``uf``/``channel`` from query parameters; invalid values are ignored."""
        channel = str(params.get("channel") or "")
        return cls(
            kind=str(params.get("kind") or "").upper(),
            uf=str(params.get("uf") or "").upper(),
            channel_id=int(channel) if channel.isdigit() else None,
        )


def may_see_personal_data(actor: Actor) -> bool:
    """Whether the actor's role shows CPF/CNPJ unmasked (``members.view_personal_data``)."""
    return bool(actor.is_authenticated and actor.has_perm(PERSONAL_DATA_PERMISSION))


def format_document(document: str) -> str:
    """A CPF as ``123.456.789-09``, a CNPJ as ``12.345.678/0001-95``."""
    if len(document) == 11:
        return f"{document[:3]}.{document[3:6]}.{document[6:9]}-{document[9:]}"
    if len(document) == 14:
        d = document
        return f"{d[:2]}.{d[2:5]}.{d[5:8]}/{d[8:12]}-{d[12:]}"
    return document


def mask_document(document: str) -> str:
    """The document with its first and check digits hidden: ``***.456.789-**``."""
    if len(document) == 11:
        return f"***.{document[3:6]}.{document[6:9]}-**"
    if len(document) == 14:
        return f"**.{document[2:5]}.{document[5:8]}/****-**"
    return "*" * len(document)


def display_document(actor: Actor, document: str) -> str:
    """The document as this actor may see it: formatted, or masked without the permission."""
    if may_see_personal_data(actor):
        return format_document(document)
    return mask_document(document)


def visible_members(actor: Actor) -> QuerySet[Member]:
    """The members within the actor's scope (others do not exist for it)."""
    return scope_queryset(Member.objects.all(), actor)


def filter_members(queryset: QuerySet[Member], filters: MemberFilters) -> QuerySet[Member]:
    """Keep members of the kind, whose primary address is in the UF, of the channel."""
    if filters.kind in Member.Kind.values:
        queryset = queryset.filter(kind=filters.kind)
    if filters.uf:
        queryset = queryset.filter(
            Exists(Address.objects.filter(member=OuterRef("pk"), is_primary=True, uf=filters.uf))
        )
    if filters.channel_id is not None:
        queryset = queryset.filter(sales_channel_id=filters.channel_id)
    return queryset


def apply_search(queryset: QuerySet[Member], query: str) -> QuerySet[Member]:
    """Narrow ``queryset`` by a search term, each form using its own index.

    Digits (with or without the CPF/CNPJ mask): document prefix (``LIKE 'x%'``, btree
    ``text_pattern_ops``). Contains ``@``: email prefix, case-insensitive (index on
    ``lower(email)``). Anything else: name fragment, accent- and case-insensitive
    (``immutable_unaccent(lower(name)) LIKE '%x%'``, trigram GIN index).
    """
    term = query.strip()[:200]
    if not term:
        return queryset
    digits = _NON_DIGITS.sub("", term)
    if digits and _MASK_CHARS.fullmatch(term):
        return queryset.filter(document__startswith=digits)
    if "@" in term:
        return queryset.alias(email_lower=Lower("email")).filter(
            email_lower__startswith=term.lower()
        )
    return queryset.alias(name_key=ImmutableUnaccent(Lower("name"))).filter(
        name_key__contains=ImmutableUnaccent(Lower(Value(term)))
    )


def search_members(
    actor: Actor, query: str = "", filters: MemberFilters | None = None
) -> QuerySet[Member]:
    """Members within the actor's scope matching ``query`` (see `apply_search`) and filters."""
    queryset = apply_search(visible_members(actor), query)
    return filter_members(queryset, filters or MemberFilters())


def member_record(actor: Actor, pk: int) -> Member | None:
    """One member within the actor's scope with addresses and consents, or ``None``.

    Callers showing the record log the access (``consorcio.access_log``).
    """
    return (
        visible_members(actor)
        .select_related("sales_channel", "sales_representative__user")
        .prefetch_related(
            Prefetch("addresses", queryset=Address.objects.order_by("-is_primary", "pk")),
            Prefetch("consents", queryset=Consent.objects.order_by("-given_at")),
        )
        .filter(pk=pk)
        .first()
    )


def primary_address(member: Member) -> Address | None:
    """The member's primary address (from the prefetched addresses when present)."""
    for address in member.addresses.all():
        if address.is_primary:
            return address
    return None


@dataclass(frozen=True)
class MemberCounts:
    """How many members the actor sees, in total and by kind (dashboard figures)."""

    total: int
    persons: int
    companies: int


def member_counts(actor: Actor) -> MemberCounts:
    """The members within the actor's scope counted in one aggregate query."""
    row = visible_members(actor).aggregate(
        total=Count("pk"),
        persons=Count("pk", filter=Q(kind=Member.Kind.PERSON)),
        companies=Count("pk", filter=Q(kind=Member.Kind.COMPANY)),
    )
    return MemberCounts(total=row["total"], persons=row["persons"], companies=row["companies"])
