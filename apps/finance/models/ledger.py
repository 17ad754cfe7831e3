"""The group ledger: double-entry accounts, transactions, entries and their summary tables.

Conventions (README "Finance: ledger"):

- ``LedgerEntry.amount`` is signed, **debit positive, credit negative**; the entries of one
  transaction sum to exactly zero (a deferred constraint trigger checks it at COMMIT).
- Each account kind has a normal side (``ACCOUNT_NORMAL_SIGN``). Summary rows keep balances on
  the normal side, so the common fund's balance reads as the money it holds (R$ 1.000,00, not
  -1.000,00): ``balance = normal_sign * sum(amount)``.
- Entries may carry a quota dimension (``quota_version``) and the fraction of the credit the
  entry represents for that quota (DOMAIN.md A1, 10 places, same sign as ``amount``), from which
  each quota's paid fraction per component is derived (``QuotaLedgerBalance``).
- Posted rows are immutable (triggers refuse UPDATE/DELETE); a correction is a reversal.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class AccountKind(models.TextChoices):
    """The fixed chart of accounts every group has (accounts are created on first use)."""

    COMMON_FUND = "common_fund", "Fundo comum"
    RESERVE_FUND = "reserve_fund", "Fundo de reserva"
    ADMINISTRATION_FEE = "administration_fee", "Taxa de administração (receita)"
    UP_FRONT_FEE = "up_front_fee", "Antecipação da taxa de administração"
    INSURANCE_PAYABLE = "insurance_payable", "Seguro a repassar"
    LATE_CHARGES_GROUP = "late_charges_group", "Encargos de atraso (parte do grupo)"
    LATE_CHARGES_ADMINISTRADORA = (
        "late_charges_admin",
        "Encargos de atraso (parte da administradora)",
    )
    BANK = "bank", "Banco (conta do grupo)"
    CASH_IN_TRANSIT = "cash_in_transit", "Valores em trânsito"
    CREDIT_PAYABLE = "credit_payable", "Créditos a pagar a contemplados"
    BIDS_RECEIVED = "bids_received", "Lances recebidos"
    REFUNDS_PAYABLE = "refunds_payable", "Restituições a pagar"
    INSTALLMENT_DIFFERENCES = "installment_differences", "Diferenças de prestação a compensar"
    UNIDENTIFIED_RECEIPTS = "unidentified_receipts", "Recebimentos não identificados"
    BANK_FEES = "bank_fees", "Tarifas bancárias"
    UNCLAIMED_FUNDS = "unclaimed_funds", "Recursos não procurados"


# +1: debit-normal (assets and expenses); -1: credit-normal (funds, payables, revenue).
ACCOUNT_NORMAL_SIGN: dict[str, int] = {
    AccountKind.COMMON_FUND: -1,
    AccountKind.RESERVE_FUND: -1,
    AccountKind.ADMINISTRATION_FEE: -1,
    AccountKind.UP_FRONT_FEE: -1,
    AccountKind.INSURANCE_PAYABLE: -1,
    AccountKind.LATE_CHARGES_GROUP: -1,
    AccountKind.LATE_CHARGES_ADMINISTRADORA: -1,
    AccountKind.BANK: 1,
    AccountKind.CASH_IN_TRANSIT: 1,
    AccountKind.CREDIT_PAYABLE: -1,
    AccountKind.BIDS_RECEIVED: -1,
    AccountKind.REFUNDS_PAYABLE: -1,
    AccountKind.INSTALLMENT_DIFFERENCES: 1,
    AccountKind.UNIDENTIFIED_RECEIPTS: -1,
    AccountKind.BANK_FEES: 1,
    AccountKind.UNCLAIMED_FUNDS: -1,
}

# The group's funds: their balance (normal side) may never go below zero (Law art. 25/27).
NON_NEGATIVE_KINDS: tuple[str, ...] = (AccountKind.COMMON_FUND, AccountKind.RESERVE_FUND)


class TransactionKind(models.TextChoices):
    """What business event a ledger transaction records."""

    INSTALLMENT_PAYMENT = "installment_payment", "Pagamento de parcela"
    UP_FRONT_FEE = "up_front_fee", "Antecipação de taxa"
    LATE_CHARGES = "late_charges", "Encargos de atraso"
    BANK_SETTLEMENT = "bank_settlement", "Crédito bancário"
    BANK_FEE = "bank_fee", "Tarifa bancária"
    UNIDENTIFIED_RECEIPT = "unidentified_receipt", "Recebimento não identificado"
    BID_PAYMENT = "bid_payment", "Pagamento de lance"
    BID_APPLICATION = "bid_application", "Aplicação de lance"
    CREDIT_AWARD = "credit_award", "Contemplação (crédito)"
    CREDIT_RELEASE = "credit_release", "Liberação de crédito"
    REFUND = "refund", "Restituição"
    REFUND_PAYMENT = "refund_payment", "Pagamento de restituição"
    INSURANCE_REMITTANCE = "insurance_remittance", "Repasse de seguro"
    FEE_TRANSFER = "fee_transfer", "Repasse de taxa à administradora"
    DIFFERENCE = "difference", "Diferença de prestação"
    YIELD = "yield", "Rendimento de aplicação"
    CLOSING = "closing", "Encerramento"
    OPENING_BALANCE = "opening_balance", "Saldo de abertura"
    MANUAL_ADJUSTMENT = "manual_adjustment", "Ajuste manual"
    REVERSAL = "reversal", "Estorno"


class LedgerAccount(models.Model):
    """One account of one group's ledger (one per group and kind)."""

    # Created once on first use and never changed: its own record (consorcio.audit).
    audit_append_only = True

    group = models.ForeignKey(
        "groups.ConsortiumGroup", on_delete=models.PROTECT, related_name="+", verbose_name="grupo"
    )
    kind = models.CharField("conta", max_length=30, choices=AccountKind.choices)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "conta contábil"
        verbose_name_plural = "contas contábeis"
        ordering = ["group", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["group", "kind"], name="finance_account_group_kind"),
            models.CheckConstraint(
                condition=Q(kind__in=AccountKind.values), name="finance_account_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.group_id}/{self.get_kind_display()}"

    @property
    def normal_sign(self) -> int:
        return ACCOUNT_NORMAL_SIGN[self.kind]


class AccountBalance(models.Model):
    """Summary row: an account's balance on its normal side, kept in the posting transaction.

    ``kind`` is copied from the (immutable) account so the CHECK can refuse a negative fund.
    """

    # Derived from the entries (the trail), written only by the posting SQL, re-derived by
    # check_ledger: not recorded by auditlog (consorcio.audit).
    audit_derived = True

    account = models.OneToOneField(
        LedgerAccount, on_delete=models.PROTECT, primary_key=True, related_name="summary"
    )
    kind = models.CharField("conta", max_length=30, choices=AccountKind.choices)
    balance = models.DecimalField("saldo", max_digits=16, decimal_places=2, default=0)

    class Meta:
        verbose_name = "saldo de conta"
        verbose_name_plural = "saldos de contas"
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind__in=NON_NEGATIVE_KINDS) | Q(balance__gte=0),
                name="finance_fund_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.account_id}: {self.balance}"


class LedgerTransaction(models.Model):
    """One balanced movement of a group's money (header of its entries)."""

    # Immutable in the database (corrections are reversals): the ledger is its own trail.
    audit_append_only = True

    group = models.ForeignKey(
        "groups.ConsortiumGroup", on_delete=models.PROTECT, related_name="+", verbose_name="grupo"
    )
    kind = models.CharField("tipo", max_length=30, choices=TransactionKind.choices)
    memo = models.CharField("histórico", max_length=300, blank=True)
    effective_date = models.DateField("data do movimento")
    idempotency_key = models.CharField("referência de origem", max_length=150)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="responsável",
    )
    reversal_of = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reversed_by",
        verbose_name="estorno de",
    )
    posted_at = models.DateTimeField("lançado em", default=timezone.now)

    class Meta:
        verbose_name = "lançamento contábil"
        verbose_name_plural = "lançamentos contábeis"
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["group", "idempotency_key"], name="finance_transaction_idempotency"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=TransactionKind.values), name="finance_transaction_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(reversal_of__isnull=True) | Q(kind=TransactionKind.REVERSAL),
                name="finance_transaction_reversal_kind",
            ),
        ]
        indexes = [models.Index(fields=["group", "effective_date"], name="finance_txn_group_date")]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_kind_display()} {self.effective_date:%d/%m/%Y}"


class LedgerEntry(models.Model):
    """One line of a transaction: a signed amount (debit +, credit -) on one account."""

    audit_append_only = True

    transaction = models.ForeignKey(
        LedgerTransaction, on_delete=models.PROTECT, related_name="entries"
    )
    account = models.ForeignKey(LedgerAccount, on_delete=models.PROTECT, related_name="entries")
    amount = models.DecimalField("valor (D+ / C-)", max_digits=14, decimal_places=2)
    quota_version = models.ForeignKey(
        "groups.QuotaVersion",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
        verbose_name="cota (versão)",
    )
    fraction = models.DecimalField(
        "fração do crédito", max_digits=15, decimal_places=10, null=True, blank=True
    )

    class Meta:
        verbose_name = "partida"
        verbose_name_plural = "partidas"
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=~Q(amount=0), name="finance_entry_amount_nonzero"),
            models.CheckConstraint(
                condition=Q(fraction__isnull=True) | Q(quota_version__isnull=False),
                name="finance_entry_fraction_needs_quota",
            ),
        ]
        indexes = [
            models.Index(
                fields=["quota_version"],
                name="finance_entry_quota_version",
                condition=Q(quota_version__isnull=False),
            )
        ]

    def __str__(self) -> str:
        return f"{self.account_id} {self.amount}"


class QuotaLedgerBalance(models.Model):
    """Summary row: what one quota version holds in one account (normal side).

    ``amount`` in Reais and ``fraction`` of the credit (DOMAIN.md A1): for the component
    accounts (common fund, fee, reserve, insurance) this is the quota's paid part.
    """

    # Derived from the entries, like AccountBalance: not recorded by auditlog.
    audit_derived = True

    account = models.ForeignKey(LedgerAccount, on_delete=models.PROTECT, related_name="+")
    quota_version = models.ForeignKey(
        "groups.QuotaVersion", on_delete=models.PROTECT, related_name="+"
    )
    amount = models.DecimalField("valor", max_digits=16, decimal_places=2, default=0)
    fraction = models.DecimalField("fração do crédito", max_digits=15, decimal_places=10, default=0)

    class Meta:
        verbose_name = "saldo da cota por conta"
        verbose_name_plural = "saldos das cotas por conta"
        constraints = [
            models.UniqueConstraint(
                fields=["account", "quota_version"], name="finance_quota_balance_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quota_version_id}/{self.account_id}: {self.fraction}"
