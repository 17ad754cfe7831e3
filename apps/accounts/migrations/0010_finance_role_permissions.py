"""Grant the ledger, billing and payment permissions to the roles (ISSUE 11 items 1-5).

admin: everything. finance: reads everything financial, keeps bank agreements and credit
values (add/change), records payments (add: manual entry with justification) and starts
billing runs (add). operations and credit: read installments and charges (to answer members
and analyse credit); credit also reads payments. auditor: reads everything. Ledger rows are
written only by the services (append-only, corrections are reversals): nobody gets
add/change/delete on them, admin included, beyond what Django's admin shows read-only.
"""

from django.db import migrations

from apps.accounts.services import roles as role_services

_LEDGER = (
    "ledgeraccount",
    "accountbalance",
    "ledgertransaction",
    "ledgerentry",
    "quotaledgerbalance",
)
_BILLING = (
    "installmentschedule",
    "installment",
    "creditvalue",
    "bankagreement",
    "billingrun",
    "charge",
    "pricedifference",
)
_PAYMENTS = ("payment",)


def _view(models):
    return [f"finance.view_{model}" for model in models]


# Frozen here on purpose: a migration states the permissions as they were when it ran.
ROLE_PERMISSIONS = {
    "admin": [
        *_view(_LEDGER),
        *(
            f"finance.{action}_{model}"
            for model in (*_BILLING, *_PAYMENTS)
            for action in ("add", "change", "delete", "view")
        ),
    ],
    "finance": [
        *_view((*_LEDGER, *_BILLING, *_PAYMENTS)),
        "finance.add_bankagreement",
        "finance.change_bankagreement",
        "finance.add_creditvalue",
        "finance.change_creditvalue",
        "finance.add_billingrun",
        "finance.add_payment",
    ],
    "operations": _view(("installmentschedule", "installment", "charge")),
    "credit": _view(("installmentschedule", "installment", "charge")),
    "auditor": _view((*_LEDGER, *_BILLING, *_PAYMENTS)),
}


def grant_finance_permissions(apps, schema_editor):
    role_services.create_missing_permissions(apps)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, perms in ROLE_PERMISSIONS.items():
        role_services.grant(role, perms, group_model=Group, permission_model=Permission)


def revoke_finance_permissions(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, perms in ROLE_PERMISSIONS.items():
        role_services.revoke(role, perms, group_model=Group, permission_model=Permission)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0009_delinquency_role_permissions"),
        ("finance", "0005_payments"),
    ]

    operations = [migrations.RunPython(grant_finance_permissions, revoke_finance_permissions)]
