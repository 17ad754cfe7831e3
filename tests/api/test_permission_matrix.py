"""The permission matrix: every URL of the project, for every role and for anonymous callers.

``EXPECTED`` holds one decision per URL name (route, when unnamed): for each caller, whether
it is let through (``A``) or refused (``R``). A URL without an entry fails the suite, so a new
endpoint or page cannot ship without a decision; an entry whose URL vanished fails it too.

Callers: a staff user per role (a session for pages and a JWT for the API, as in real use), a
sales API client bound to a channel (a JWT only), and an anonymous browser. A request is
*refused* when it answers 401, 403 or 404 (objects out of reach are hidden) or redirects to
the sign-in page; anything else (2xx, another redirect, 400/409/422 for an empty body) means
the caller got past the access checks. The Django admin's model pages (``admin:*`` other
than the index) are decided by each ModelAdmin's permissions and scoping and are not listed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from apps.accounts.models import ApiClient, SalesChannel, SalesRepresentative, User
from apps.accounts.roles import Role
from apps.accounts.services import api_clients, roles, tokens
from apps.groups.models import ConsortiumGroup, QuotaVersion
from apps.groups.services import sales
from apps.members import services as members
from apps.members.models import Member
from consorcio.jobs.services import start_job
from consorcio.models import Job
from tests.accounts.factories import SalesChannelFactory, SalesRepresentativeFactory, UserFactory
from tests.api.conftest import unique_address
from tests.groups.conftest import make_group
from tests.members.support import ensure_member_permissions

A, R = True, False
STAFF_ROLES = tuple(role.value for role in Role)
CALLERS = (*STAFF_ROLES, "api_client", "anonymous")


def everyone() -> dict[str, bool]:
    """Public: every caller gets through."""
    return dict.fromkeys(CALLERS, A)


def only(*allowed: str) -> dict[str, bool]:
    """Only these callers get through."""
    return {caller: caller in allowed for caller in CALLERS}


def signed_in() -> dict[str, bool]:
    """Any authenticated caller, person or machine."""
    return only(*STAFF_ROLES, "api_client")


def staff() -> dict[str, bool]:
    """Every staff role (a session), never a machine or an anonymous browser."""
    return only(*STAFF_ROLES)


# --- The decisions ------------------------------------------------------------------------
EXPECTED: dict[str, dict[str, bool]] = {
    # Kernel: probes and metrics are public (production guards /metrics with a token).
    "health-live": everyone(),
    "health-ready": everyone(),
    "metrics": everyone(),
    "job-detail": staff(),
    "jobs-list": staff(),
    "jobs-page": staff(),
    "jobs-progress": staff(),
    "jobs-cancel": staff(),
    # API: tokens and the schema are public; the root needs a token.
    "api:api-root": signed_in(),
    "api:token-obtain": everyone(),
    "api:token-refresh": everyone(),
    "api:client-token": everyone(),
    "api:logout": everyone(),
    "api:schema": everyone(),
    "api:docs": everyone(),
    "api:redoc": everyone(),
    "api:api-client-list": only("admin", "auditor"),
    "api:api-client-detail": only("admin", "auditor"),
    "api:api-client-rotate-secret": only("admin"),
    "api:api-client-deactivate": only("admin"),
    "api:sales-channel-list": only(*STAFF_ROLES, "api_client"),
    "api:sales-channel-detail": only(*STAFF_ROLES, "api_client"),
    "api:sales-representative-list": only("admin", "operations", "sales", "auditor", "api_client"),
    "api:sales-representative-detail": only(
        "admin", "operations", "sales", "auditor", "api_client"
    ),
    # Members: every role reads; admin, operations and sales register. A member outside a
    # channel client's scope is hidden from it (404).
    "api:member-list": signed_in(),
    "api:member-detail": staff(),
    "api:member-addresses": only("admin", "operations", "sales"),
    "api:member-consents": only("admin", "operations", "sales"),
    "api:member-revoke-consent": only("admin", "operations", "sales"),
    "api:group-list": only(*STAFF_ROLES, "api_client"),
    "api:group-detail": only(*STAFF_ROLES, "api_client"),
    "api:group-transition": only("admin", "operations"),
    "api:group-amend": only("admin", "operations"),
    # Quotas: every role reads its scope; admin, operations and sales sell.
    "api:quota-list": only(*STAFF_ROLES, "api_client"),
    # A head-office sale is outside a channel client's scope (404).
    "api:quota-detail": staff(),
    "api:quota-reserve": only("admin", "operations", "sales", "api_client"),
    "api:quota-confirm": only("admin", "operations", "sales"),
    "api:quota-cancel": only("admin", "operations", "sales"),
    "api:quota-transfer": only("admin", "operations", "sales"),
    # The contract's download link: whoever sees the holding (a reservation answers 409).
    "api:quota-contract": staff(),
    # Documents: every role reads and downloads (through a short-lived link); all but the
    # auditor upload. A head-office document is outside a channel client's scope (404).
    "api:document-list": signed_in(),
    "api:document-detail": staff(),
    "api:document-versions": staff(),
    "api:document-version-list": signed_in(),
    "api:document-version-detail": staff(),
    "api:document-version-download-link": staff(),
    # Payments: finance applies and lists them; admin too; the auditor reads (needs the
    # finance.add_payment/view_payment role grants of the lead's finance grant migration).
    "api:payment-list": only("admin", "finance", "auditor"),
    # The PSP's PIX webhook: no session or token counts, only an HMAC signature over timestamp
    # and body (plus mutual TLS at the ingress), so every caller here is refused (401).
    "api:pix-webhook": only(),
    "documents:list": staff(),
    "documents:upload": only("admin", "operations", "sales", "finance", "credit"),
    "documents:detail": staff(),
    "documents:version_upload": only("admin", "operations", "sales", "finance", "credit"),
    "documents:version_link": staff(),
    # The signed link is the credential (it re-checks its issuer's access): no session needed.
    "documents:download": everyone(),
    # Staff pages.
    "home": staff(),
    "reports:dashboard": staff(),
    "admin:index": staff(),
    "admin/login/": everyone(),
    "accounts:login": everyone(),
    "accounts:logout": everyone(),
    "accounts:password_change": staff(),
    "accounts:password_change_done": staff(),
    "accounts:password_reset": everyone(),
    "accounts:password_reset_done": everyone(),
    "accounts:password_reset_confirm": everyone(),
    "accounts:password_reset_complete": everyone(),
    "accounts:two_factor_setup": staff(),
    "accounts:two_factor_verify": staff(),
    "accounts:two_factor_backup_codes": staff(),
    "accounts:user_list": only("admin", "operations", "auditor"),
    "accounts:user_detail": only("admin", "operations", "auditor"),
    "accounts:user_deactivate": only("admin"),
    "accounts:user_reactivate": only("admin"),
    "accounts:user_reset_two_factor": only("admin"),
    "accounts:channel_list": staff(),
    "accounts:channel_create": only("admin"),
    "accounts:channel_edit": only("admin"),
    "accounts:representative_list": only("admin", "operations", "sales", "auditor"),
    "accounts:representative_create": only("admin"),
    "accounts:representative_edit": only("admin"),
    "groups:list": staff(),
    "groups:detail": staff(),
    "groups:create": only("admin", "operations"),
    "groups:rules": only("admin", "operations"),
    "groups:transition": only("admin", "operations"),
    "groups:quota_grid": staff(),
    "groups:member_quotas": staff(),
    "groups:sale_start": only("admin", "operations", "sales"),
    "groups:sale_quota": only("admin", "operations", "sales"),
    "groups:sale_member": only("admin", "operations", "sales"),
    "groups:sale_review": only("admin", "operations", "sales"),
    "groups:sale_reservation": only("admin", "operations", "sales"),
    "groups:sale_cancel": only("admin", "operations", "sales"),
    "finance:billing_run_list": only("admin", "finance", "auditor"),
    "finance:billing_run_detail": only("admin", "finance", "auditor"),
    "finance:bank_file_list": only("admin", "finance", "auditor"),
    "finance:bank_file_upload": only("admin", "finance"),
    "finance:bank_file_detail": only("admin", "finance", "auditor"),
    "finance:statement": only("admin", "operations", "finance", "credit", "auditor"),
    "finance:payment_list": only("admin", "finance", "auditor"),
    "finance:bank_agreement_list": only("admin", "finance", "auditor"),
    "finance:bank_agreement_create": only("admin", "finance"),
    "finance:bank_agreement_edit": only("admin", "finance", "auditor"),
    # A charge's boleto PDF and its second copy: whoever reads charges (finance.view_charge).
    "finance:charge_boleto": only("admin", "operations", "finance", "credit", "auditor"),
    "finance:charge_second_copy": only("admin", "operations", "finance", "credit", "auditor"),
    "finance:fund_balances": only("admin", "finance", "auditor"),
    "api:quota-installments": only("admin", "operations", "finance", "credit", "auditor"),
    "api:quota-charges": only("admin", "operations", "finance", "credit", "auditor"),
    "api:quota-statement": only("admin", "operations", "finance", "credit", "auditor"),
    "finance:delinquency_list": only("admin", "operations", "finance", "credit", "auditor"),
    "finance:delinquency_export": only("admin", "operations", "finance", "credit", "auditor"),
    # Deciding a proposal: finance (and admin); the matrix's proposal is not applicable, so
    # an allowed caller gets the Portuguese refusal and a redirect to the list.
    "finance:exclusion_confirm": only("admin", "finance"),
    "finance:exclusion_dismiss": only("admin", "finance"),
    "groups:sale_contract": only("admin", "operations", "sales"),
    "members:list": staff(),
    "members:detail": staff(),
    "members:create": only("admin", "operations", "sales"),
    "members:edit": only("admin", "operations", "sales"),
    "members:addresses": staff(),
    "members:address_remove": only("admin", "operations", "sales"),
    "members:address_primary": only("admin", "operations", "sales"),
    "members:phones": staff(),
    "members:phone_remove": only("admin", "operations", "sales"),
    "members:consents": staff(),
    "members:consent_revoke": only("admin", "operations", "sales"),
    # Assemblies: every role reads the calendar and the assembly page; admin and operations
    # run them (an empty POST is refused in Portuguese and redirected: past the checks).
    "draws:list": staff(),
    "draws:detail": staff(),
    "draws:generate": only("admin", "operations"),
    "draws:transition": only("admin", "operations"),
    "draws:extraction": only("admin", "operations"),
    "draws:compute": only("admin", "operations"),
    "draws:bid_entry": only("admin", "operations", "sales"),
    # The world's assembly has no verifiable draw computed: 404 for every caller.
    "draws:verifiable_document": only(),
    "api:assembly-list": signed_in(),
    "api:assembly-detail": signed_in(),
    # Before publication: 409 results_not_published (past the access checks).
    "api:assembly-results": signed_in(),
    # Placing a bid: whoever may bid (an empty body without Idempotency-Key answers 400).
    "api:bid-list": only("admin", "operations", "sales", "api_client"),
    # A bid's receipt only for the caller who placed it: the world's bid is nobody's here.
    "api:bid-detail": only(),
}

# How to call a URL when a plain GET without arguments will not do.
POSTED = {
    "api:pix-webhook",
    "finance:exclusion_confirm",
    "finance:exclusion_dismiss",
    "jobs-cancel",
    "api:token-obtain",
    "api:token-refresh",
    "api:client-token",
    "api:logout",
    "api:api-client-rotate-secret",
    "api:api-client-deactivate",
    "accounts:logout",
    "accounts:user_deactivate",
    "accounts:user_reactivate",
    "accounts:user_reset_two_factor",
    "accounts:two_factor_backup_codes",
    "api:member-addresses",
    "api:member-consents",
    "api:member-revoke-consent",
    "api:group-transition",
    "api:group-amend",
    "api:quota-reserve",
    "api:quota-confirm",
    "api:quota-cancel",
    "api:quota-transfer",
    "documents:version_upload",
    "documents:version_link",
    "groups:sale_cancel",
    "groups:transition",
    "members:address_remove",
    "members:address_primary",
    "members:phone_remove",
    "members:consent_revoke",
    "draws:generate",
    "draws:transition",
    "draws:extraction",
    "draws:compute",
    "api:bid-list",
}


@dataclass
class World:
    """The objects the URLs with arguments point at (none of them is a caller's own)."""

    job: Job
    channel: SalesChannel
    representative: SalesRepresentative
    user: User
    api_client: ApiClient
    group: ConsortiumGroup
    member: Member
    quota_version: QuotaVersion
    spare_reservation: QuotaVersion
    page_reservation: QuotaVersion  # cancelled by the sale wizard's page


ARGUMENTS: dict[str, Callable[[World], dict[str, Any]]] = {
    "job-detail": lambda w: {"job_id": w.job.pk},
    "jobs-page": lambda w: {"job_id": w.job.pk},
    "jobs-progress": lambda w: {"job_id": w.job.pk},
    "jobs-cancel": lambda w: {"job_id": w.job.pk},
    "api:api-client-detail": lambda w: {"pk": w.api_client.pk},
    "api:api-client-rotate-secret": lambda w: {"pk": w.api_client.pk},
    "api:api-client-deactivate": lambda w: {"pk": w.api_client.pk},
    "api:sales-channel-detail": lambda w: {"pk": w.channel.pk},
    "api:sales-representative-detail": lambda w: {"pk": w.representative.pk},
    "api:group-detail": lambda w: {"pk": w.group.pk},
    "api:group-transition": lambda w: {"pk": w.group.pk},
    "api:group-amend": lambda w: {"pk": w.group.pk},
    "api:quota-detail": lambda w: {"pk": w.quota_version.pk},
    "api:quota-confirm": lambda w: {"pk": w.quota_version.pk},
    "api:quota-cancel": lambda w: {"pk": w.spare_reservation.pk},
    "api:quota-transfer": lambda w: {"pk": w.quota_version.pk},
    "api:quota-contract": lambda w: {"pk": w.quota_version.pk},
    "accounts:password_reset_confirm": lambda w: {
        "uidb64": urlsafe_base64_encode(force_bytes(w.user.pk)),
        "token": default_token_generator.make_token(w.user),
    },
    "accounts:user_detail": lambda w: {"pk": w.user.pk},
    "accounts:user_deactivate": lambda w: {"pk": w.user.pk},
    "accounts:user_reactivate": lambda w: {"pk": w.user.pk},
    "accounts:user_reset_two_factor": lambda w: {"pk": w.user.pk},
    "accounts:channel_edit": lambda w: {"pk": w.channel.pk},
    "accounts:representative_edit": lambda w: {"pk": w.representative.pk},
    "api:member-detail": lambda w: {"pk": w.member.pk},
    "api:member-addresses": lambda w: {"pk": w.member.pk},
    "api:member-consents": lambda w: {"pk": w.member.pk},
    "api:member-revoke-consent": lambda w: {"pk": w.member.pk},
    "members:detail": lambda w: {"pk": w.member.pk},
    "groups:detail": lambda w: {"pk": w.group.pk},
    "groups:rules": lambda w: {"pk": w.group.pk},
    "groups:transition": lambda w: {"pk": w.group.pk},
    "groups:quota_grid": lambda w: {"pk": w.group.pk},
    "groups:member_quotas": lambda w: {"member_pk": w.member.pk},
    "groups:sale_quota": lambda w: {"group_pk": w.group.pk},
    "groups:sale_member": lambda w: {"group_pk": w.group.pk},
    "groups:sale_review": lambda w: {"group_pk": w.group.pk},
    "groups:sale_reservation": lambda w: {"pk": w.quota_version.pk},
    "groups:sale_cancel": lambda w: {"pk": w.page_reservation.pk},
    "groups:sale_contract": lambda w: {"pk": w.quota_version.pk},
    "members:edit": lambda w: {"pk": w.member.pk},
    "members:addresses": lambda w: {"pk": w.member.pk},
    "members:address_remove": lambda w: {"pk": w.member.pk},
    "members:address_primary": lambda w: {"pk": w.member.pk},
    "members:phones": lambda w: {"pk": w.member.pk},
    "members:phone_remove": lambda w: {"pk": w.member.pk},
    "members:consents": lambda w: {"pk": w.member.pk},
    "members:consent_revoke": lambda w: {"pk": w.member.pk},
}


def _document_version() -> Any:
    """A head-office document of the world (created once per test), its version 1."""
    from apps.documents.models import DocumentVersion
    from apps.documents.services import storage

    version = DocumentVersion.objects.filter(document__title="Matriz de permissões").first()
    return version or storage.store_version(
        actor=None,
        kind="other",
        title="Matriz de permissões",
        filename="matriz.pdf",
        content=b"%PDF-1.7\n%%EOF\n",
    )


def _download_token() -> str:
    from apps.documents.services import links

    issuer = roles.assign_roles(user=UserFactory(), roles=[Role.ADMIN])
    url = links.signed_download_url(_document_version(), actor=issuer)
    return url.rstrip("/").rsplit("/", 1)[-1]


ARGUMENTS.update(
    {
        "api:document-detail": lambda w: {"pk": _document_version().document_id},
        "api:document-versions": lambda w: {"pk": _document_version().document_id},
        "api:document-version-detail": lambda w: {"pk": _document_version().pk},
        "api:document-version-download-link": lambda w: {"pk": _document_version().pk},
        "documents:detail": lambda w: {"pk": _document_version().document_id},
        "documents:version_upload": lambda w: {"pk": _document_version().document_id},
        "documents:version_link": lambda w: {"pk": _document_version().pk},
        "documents:download": lambda w: {"token": _download_token()},
    }
)


def _bank_file() -> Any:
    """A rejected (never applied) return file of the world, created once per test."""
    from apps.finance.services import bank_files

    return bank_files.receive_bank_file(data=b"matriz\n", filename="matriz.ret").bank_file


ARGUMENTS["finance:bank_file_detail"] = lambda w: {"pk": _bank_file().pk}


def _billing_run() -> Any:
    """A billing run of the world (its chunks would run after commit, never here)."""
    import datetime as dt

    from apps.finance.services import billing

    return billing.start_billing_run(period=dt.date(2026, 12, 1))


ARGUMENTS["finance:billing_run_detail"] = lambda w: {"pk": _billing_run().pk}
ARGUMENTS["finance:statement"] = lambda w: {"version_pk": w.quota_version.pk}


def _bank_agreement() -> Any:
    """An inactive default agreement of the world (created once per test)."""
    from apps.finance.models import BankAgreement

    agreement = BankAgreement.objects.filter(agreement_code="MATRIZ").first()
    return agreement or BankAgreement.objects.create(
        bank_code="237",
        agency="1234",
        account="1234567",
        wallet="09",
        agreement_code="MATRIZ",
        beneficiary_name="Administradora Matriz",
        beneficiary_document="11222333000181",
        first_nosso_numero=90_000_000,
        last_nosso_numero=90_000_999,
        next_nosso_numero=90_000_000,
        is_active=False,
    )


ARGUMENTS["finance:bank_agreement_edit"] = lambda w: {"pk": _bank_agreement().pk}
for _name in ("api:quota-installments", "api:quota-charges", "api:quota-statement"):
    ARGUMENTS[_name] = lambda w: {"pk": w.quota_version.pk}


def _exclusion_proposal(world: World) -> Any:
    """An exclusion proposal for the world's (reserved, so not excludable) quota version."""
    import datetime as dt
    from decimal import Decimal

    from apps.finance.models import ExclusionProposal

    version = world.quota_version
    proposal, _ = ExclusionProposal.objects.get_or_create(
        quota_version=version,
        defaults={
            "group": world.group,
            "quota": version.quota,
            "proposed_on": dt.date(2026, 3, 11),
            "threshold": 3,
            "unpaid_due_dates": 3,
            "oldest_due_date": dt.date(2026, 1, 12),
            "overdue_amount": Decimal("3510.00"),
        },
    )
    return proposal


def _transfer_fee_charge(world: World) -> Any:
    """A R$ 100,00 fee charge of the world's quota version, due today (no late charges)."""
    from decimal import Decimal

    from django.utils import timezone

    from apps.finance.models import Charge
    from apps.groups.models import QuotaObligation

    version = world.quota_version
    today = timezone.localdate()
    existing = Charge.objects.filter(quota_version=version, kind="transfer_fee").first()
    if existing is not None:
        return existing
    obligation = QuotaObligation.objects.create(
        quota_version=version, kind="transfer_fee", amount=Decimal("100.00"), due_date=today
    )
    charge, _ = Charge.objects.get_or_create(
        quota_version=version,
        kind="transfer_fee",
        defaults={
            "obligation": obligation,
            "group": world.group,
            "quota": version.quota,
            "period": today.replace(day=1),
            "due_date": today,
            "amount_fees": Decimal("100.00"),
            "amount": Decimal("100.00"),
        },
    )
    return charge


ARGUMENTS["finance:charge_boleto"] = lambda w: {"pk": _transfer_fee_charge(w).pk}
ARGUMENTS["finance:charge_second_copy"] = lambda w: {"pk": _transfer_fee_charge(w).pk}
ARGUMENTS["finance:exclusion_confirm"] = lambda w: {"pk": _exclusion_proposal(w).pk}
ARGUMENTS["finance:exclusion_dismiss"] = lambda w: {"pk": _exclusion_proposal(w).pk}


def _assembly(world: World) -> Any:
    """The world group's first assembly, generated from its calendar (scheduled)."""
    from apps.draws import selectors as draw_selectors
    from apps.draws.services import assemblies

    existing = draw_selectors.assemblies(group=world.group).first()
    if existing is not None:
        return existing
    start = world.group.first_assembly_date or dt.date(2026, 12, 1)
    return assemblies.generate_assemblies(group=world.group, start=start, count=1)[0]


def _bid_of_nobody(world: Any) -> dict[str, Any]:
    """A bid id no caller placed (missing: the receipt answers 404 all the same)."""
    return {"pk": 2_000_000_000}


for _name in (
    "draws:detail",
    "draws:transition",
    "draws:extraction",
    "draws:compute",
    "draws:bid_entry",
    "draws:verifiable_document",
    "api:assembly-detail",
    "api:assembly-results",
):
    ARGUMENTS[_name] = lambda w: {"pk": _assembly(w).pk}
ARGUMENTS["api:bid-detail"] = _bid_of_nobody

# Run last: it ends the caller's session.
LAST = ("accounts:logout",)
NOT_LISTED_NAMESPACES = {"admin"}
LISTED_EXCEPTIONS = {"admin:index"}


def _walk(patterns: list[Any], prefix: str = "", namespace: str = "") -> Iterator[str]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = namespace
            if pattern.namespace:
                inner = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern):
            if pattern.name:
                name = f"{namespace}:{pattern.name}" if namespace else pattern.name
            else:
                name = prefix + str(pattern.pattern)
            top = namespace.split(":", 1)[0]
            if top in NOT_LISTED_NAMESPACES and name not in LISTED_EXCEPTIONS:
                continue
            yield name


def project_urls() -> set[str]:
    """Every URL of the project that needs a decision (see the module docstring)."""
    return set(_walk(get_resolver().url_patterns))


def test_every_url_of_the_project_has_a_decision():
    urls = project_urls()

    missing = sorted(urls - set(EXPECTED))
    stale = sorted(set(EXPECTED) - urls)
    assert missing == [], f"new endpoints without a decision in EXPECTED: {missing}"
    assert stale == [], f"decisions for URLs that no longer exist: {stale}"
    for name, decision in EXPECTED.items():
        assert set(decision) == set(CALLERS), f"{name} must decide for every caller"


def _world() -> World:
    ensure_member_permissions()
    owner = UserFactory()
    roles.assign_roles(user=owner, roles=[Role.OPERATIONS])
    channel = SalesChannelFactory()
    target, _secret = api_clients.create_api_client(
        name="Alvo", role=Role.SALES, channel=channel, created_by=None
    )
    group = make_group()
    # Registered by the head office: no channel owns it (nor its reservations).
    member = members.register_member(
        actor=owner, kind="PF", document="52998224725", name="Consorciado"
    )
    return World(
        job=start_job(kind="permission-matrix", description="Tarefa", started_by=owner),
        channel=channel,
        representative=SalesRepresentativeFactory(channel=channel),
        user=UserFactory(),
        api_client=target,
        group=group,
        member=member,
        quota_version=sales.reserve_quota(actor=owner, group=group, member=member),
        spare_reservation=sales.reserve_quota(actor=owner, group=group, member=member),
        page_reservation=sales.reserve_quota(actor=owner, group=group, member=member),
    )


def _caller(name: str, world: World) -> Client:
    browser = Client(REMOTE_ADDR=unique_address())
    if name == "anonymous":
        return browser
    if name == "api_client":
        client, _secret = api_clients.create_api_client(
            name="Chamador", role=Role.SALES, channel=world.channel, created_by=None
        )
        user = client.user
    else:
        user = roles.assign_roles(user=UserFactory(), roles=[Role(name)])
        browser.force_login(user)
    access = tokens.issue_token_pair(user=user).access
    browser.defaults["HTTP_AUTHORIZATION"] = f"Bearer {access}"
    return browser


def _is_refused(response: Any) -> bool:
    if response.status_code in (401, 403, 404):
        return True
    if 300 <= response.status_code < 400:
        # Sent to sign in first (with the page to come back to), by the pages or the admin.
        location = response["Location"]
        login_pages = (reverse("accounts:login"), reverse("admin:login"))
        return location.startswith(login_pages) and "next=" in location
    return False


def _call(browser: Client, name: str, world: World) -> Any:
    kwargs = ARGUMENTS.get(name, lambda _w: {})(world)
    url = "/" + name if "/" in name else reverse(name, kwargs=kwargs)
    if name in POSTED:
        return browser.post(url, {})
    return browser.get(url)


@pytest.mark.django_db
@pytest.mark.parametrize("caller", CALLERS)
def test_each_caller_is_allowed_or_refused_as_decided(caller):
    world = _world()
    browser = _caller(caller, world)
    names = sorted(project_urls() & set(EXPECTED), key=lambda n: (n in LAST, n))

    observed: dict[str, bool] = {}
    for name in names:
        response = _call(browser, name, world)
        assert response.status_code != 405, f"{name}: the matrix calls it with the wrong method"
        assert response.status_code < 500 or response.status_code == 503, (
            f"{name} failed for {caller}: {response.status_code}"
        )
        observed[name] = not _is_refused(response)

    wrong = {
        name: ("allowed" if allowed else "refused")
        for name, allowed in observed.items()
        if allowed != EXPECTED[name][caller]
    }
    assert wrong == {}, f"{caller}: decisions not honoured (what happened instead): {wrong}"
