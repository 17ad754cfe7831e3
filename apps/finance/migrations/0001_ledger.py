"""The group ledger (apps.finance.models.ledger) and the database rules that guard it.

The SQL is written out here so this migration keeps meaning what it meant when it was written:

- ``posted_xid`` (not a model field): the top-level transaction that inserted a header.
- ``finance_entries_same_posting`` (statement trigger on entries): an entry may only be added
  in the database transaction that created its header, on an account of the header's group.
- ``finance_transaction_balanced`` (deferred constraint trigger on headers): at COMMIT every
  new transaction has at least two entries summing to exactly zero.
- ``finance_*_immutable``: posted headers and entries refuse UPDATE and DELETE (corrections
  are reversals). TRUNCATE is left to the test runner's flush.
"""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

LEDGER_SQL = """
ALTER TABLE finance_ledgertransaction
    ADD COLUMN posted_xid xid8 NOT NULL DEFAULT pg_current_xact_id();

CREATE FUNCTION finance_check_transaction_balanced() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    total numeric;
    lines integer;
BEGIN
    SELECT coalesce(sum(amount), 0), count(*) INTO total, lines
      FROM finance_ledgerentry WHERE transaction_id = NEW.id;
    IF lines < 2 OR total <> 0 THEN
        RAISE EXCEPTION 'lançamento contábil % desbalanceado: % partidas, soma %',
            NEW.id, lines, total
            USING ERRCODE = 'check_violation', CONSTRAINT = 'finance_transaction_balanced';
    END IF;
    RETURN NULL;
END;
$$;
CREATE CONSTRAINT TRIGGER finance_transaction_balanced
    AFTER INSERT ON finance_ledgertransaction
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION finance_check_transaction_balanced();

CREATE FUNCTION finance_check_new_entries() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (
        SELECT 1
          FROM new_entries e
          JOIN finance_ledgertransaction t ON t.id = e.transaction_id
          JOIN finance_ledgeraccount a ON a.id = e.account_id
         WHERE t.posted_xid <> pg_current_xact_id() OR a.group_id <> t.group_id
    ) THEN
        RAISE EXCEPTION 'partida fora do seu lançamento: só pode ser incluída na mesma '
            'transação que criou o lançamento, em conta do mesmo grupo'
            USING ERRCODE = 'check_violation', CONSTRAINT = 'finance_entries_same_posting';
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER finance_entries_same_posting
    AFTER INSERT ON finance_ledgerentry
    REFERENCING NEW TABLE AS new_entries
    FOR EACH STATEMENT EXECUTE FUNCTION finance_check_new_entries();

CREATE FUNCTION finance_refuse_ledger_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% em %: lançamentos contábeis não se alteram; use um estorno',
        TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'check_violation', CONSTRAINT = 'finance_ledger_immutable';
END;
$$;
CREATE TRIGGER finance_ledgertransaction_immutable
    BEFORE UPDATE OR DELETE ON finance_ledgertransaction
    FOR EACH ROW EXECUTE FUNCTION finance_refuse_ledger_change();
CREATE TRIGGER finance_ledgerentry_immutable
    BEFORE UPDATE OR DELETE ON finance_ledgerentry
    FOR EACH ROW EXECUTE FUNCTION finance_refuse_ledger_change();
"""

LEDGER_REVERSE_SQL = """
DROP TRIGGER IF EXISTS finance_ledgerentry_immutable ON finance_ledgerentry;
DROP TRIGGER IF EXISTS finance_ledgertransaction_immutable ON finance_ledgertransaction;
DROP FUNCTION IF EXISTS finance_refuse_ledger_change();
DROP TRIGGER IF EXISTS finance_entries_same_posting ON finance_ledgerentry;
DROP FUNCTION IF EXISTS finance_check_new_entries();
DROP TRIGGER IF EXISTS finance_transaction_balanced ON finance_ledgertransaction;
DROP FUNCTION IF EXISTS finance_check_transaction_balanced();
ALTER TABLE finance_ledgertransaction DROP COLUMN IF EXISTS posted_xid;
"""


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("groups", "0003_expire_reservations_schedule"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="LedgerAccount",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("common_fund", "Fundo comum"),
                            ("reserve_fund", "Fundo de reserva"),
                            ("administration_fee", "Taxa de administração (receita)"),
                            ("up_front_fee", "Antecipação da taxa de administração"),
                            ("insurance_payable", "Seguro a repassar"),
                            ("late_charges_group", "Encargos de atraso (parte do grupo)"),
                            ("late_charges_admin", "Encargos de atraso (parte da administradora)"),
                            ("bank", "Banco (conta do grupo)"),
                            ("cash_in_transit", "Valores em trânsito"),
                            ("credit_payable", "Créditos a pagar a contemplados"),
                            ("bids_received", "Lances recebidos"),
                            ("refunds_payable", "Restituições a pagar"),
                            ("installment_differences", "Diferenças de prestação a compensar"),
                            ("unidentified_receipts", "Recebimentos não identificados"),
                            ("bank_fees", "Tarifas bancárias"),
                            ("unclaimed_funds", "Recursos não procurados"),
                        ],
                        max_length=30,
                        verbose_name="conta",
                    ),
                ),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "group",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="groups.consortiumgroup",
                        verbose_name="grupo",
                    ),
                ),
            ],
            options={
                "verbose_name": "conta contábil",
                "verbose_name_plural": "contas contábeis",
                "ordering": ["group", "kind"],
            },
        ),
        migrations.CreateModel(
            name="LedgerTransaction",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("installment_payment", "Pagamento de parcela"),
                            ("up_front_fee", "Antecipação de taxa"),
                            ("late_charges", "Encargos de atraso"),
                            ("bank_settlement", "Crédito bancário"),
                            ("bank_fee", "Tarifa bancária"),
                            ("unidentified_receipt", "Recebimento não identificado"),
                            ("bid_payment", "Pagamento de lance"),
                            ("bid_application", "Aplicação de lance"),
                            ("credit_award", "Contemplação (crédito)"),
                            ("credit_release", "Liberação de crédito"),
                            ("refund", "Restituição"),
                            ("refund_payment", "Pagamento de restituição"),
                            ("insurance_remittance", "Repasse de seguro"),
                            ("fee_transfer", "Repasse de taxa à administradora"),
                            ("difference", "Diferença de prestação"),
                            ("yield", "Rendimento de aplicação"),
                            ("closing", "Encerramento"),
                            ("opening_balance", "Saldo de abertura"),
                            ("manual_adjustment", "Ajuste manual"),
                            ("reversal", "Estorno"),
                        ],
                        max_length=30,
                        verbose_name="tipo",
                    ),
                ),
                ("memo", models.CharField(blank=True, max_length=300, verbose_name="histórico")),
                ("effective_date", models.DateField(verbose_name="data do movimento")),
                (
                    "idempotency_key",
                    models.CharField(max_length=150, verbose_name="referência de origem"),
                ),
                (
                    "posted_at",
                    models.DateTimeField(
                        default=django.utils.timezone.now, verbose_name="lançado em"
                    ),
                ),
                (
                    "actor",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="responsável",
                    ),
                ),
                (
                    "group",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="groups.consortiumgroup",
                        verbose_name="grupo",
                    ),
                ),
                (
                    "reversal_of",
                    models.OneToOneField(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="reversed_by",
                        to="finance.ledgertransaction",
                        verbose_name="estorno de",
                    ),
                ),
            ],
            options={
                "verbose_name": "lançamento contábil",
                "verbose_name_plural": "lançamentos contábeis",
                "ordering": ["-id"],
            },
        ),
        migrations.CreateModel(
            name="LedgerEntry",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "amount",
                    models.DecimalField(
                        decimal_places=2, max_digits=14, verbose_name="valor (D+ / C-)"
                    ),
                ),
                (
                    "fraction",
                    models.DecimalField(
                        blank=True,
                        decimal_places=10,
                        max_digits=15,
                        null=True,
                        verbose_name="fração do crédito",
                    ),
                ),
                (
                    "account",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="entries",
                        to="finance.ledgeraccount",
                    ),
                ),
                (
                    "quota_version",
                    models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="groups.quotaversion",
                        verbose_name="cota (versão)",
                    ),
                ),
                (
                    "transaction",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="entries",
                        to="finance.ledgertransaction",
                    ),
                ),
            ],
            options={
                "verbose_name": "partida",
                "verbose_name_plural": "partidas",
                "ordering": ["id"],
            },
        ),
        migrations.CreateModel(
            name="QuotaLedgerBalance",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "amount",
                    models.DecimalField(
                        decimal_places=2, default=0, max_digits=16, verbose_name="valor"
                    ),
                ),
                (
                    "fraction",
                    models.DecimalField(
                        decimal_places=10,
                        default=0,
                        max_digits=15,
                        verbose_name="fração do crédito",
                    ),
                ),
                (
                    "account",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="finance.ledgeraccount",
                    ),
                ),
                (
                    "quota_version",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="groups.quotaversion",
                    ),
                ),
            ],
            options={
                "verbose_name": "saldo da cota por conta",
                "verbose_name_plural": "saldos das cotas por conta",
            },
        ),
        migrations.CreateModel(
            name="AccountBalance",
            fields=[
                (
                    "account",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.PROTECT,
                        primary_key=True,
                        related_name="summary",
                        serialize=False,
                        to="finance.ledgeraccount",
                    ),
                ),
                (
                    "kind",
                    models.CharField(
                        choices=[
                            ("common_fund", "Fundo comum"),
                            ("reserve_fund", "Fundo de reserva"),
                            ("administration_fee", "Taxa de administração (receita)"),
                            ("up_front_fee", "Antecipação da taxa de administração"),
                            ("insurance_payable", "Seguro a repassar"),
                            ("late_charges_group", "Encargos de atraso (parte do grupo)"),
                            ("late_charges_admin", "Encargos de atraso (parte da administradora)"),
                            ("bank", "Banco (conta do grupo)"),
                            ("cash_in_transit", "Valores em trânsito"),
                            ("credit_payable", "Créditos a pagar a contemplados"),
                            ("bids_received", "Lances recebidos"),
                            ("refunds_payable", "Restituições a pagar"),
                            ("installment_differences", "Diferenças de prestação a compensar"),
                            ("unidentified_receipts", "Recebimentos não identificados"),
                            ("bank_fees", "Tarifas bancárias"),
                            ("unclaimed_funds", "Recursos não procurados"),
                        ],
                        max_length=30,
                        verbose_name="conta",
                    ),
                ),
                (
                    "balance",
                    models.DecimalField(
                        decimal_places=2, default=0, max_digits=16, verbose_name="saldo"
                    ),
                ),
            ],
            options={
                "verbose_name": "saldo de conta",
                "verbose_name_plural": "saldos de contas",
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(
                            models.Q(("kind__in", ("common_fund", "reserve_fund")), _negated=True),
                            ("balance__gte", 0),
                            _connector="OR",
                        ),
                        name="finance_fund_not_negative",
                    )
                ],
            },
        ),
        migrations.AddConstraint(
            model_name="ledgeraccount",
            constraint=models.UniqueConstraint(
                fields=("group", "kind"), name="finance_account_group_kind"
            ),
        ),
        migrations.AddConstraint(
            model_name="ledgeraccount",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    (
                        "kind__in",
                        [
                            "common_fund",
                            "reserve_fund",
                            "administration_fee",
                            "up_front_fee",
                            "insurance_payable",
                            "late_charges_group",
                            "late_charges_admin",
                            "bank",
                            "cash_in_transit",
                            "credit_payable",
                            "bids_received",
                            "refunds_payable",
                            "installment_differences",
                            "unidentified_receipts",
                            "bank_fees",
                            "unclaimed_funds",
                        ],
                    )
                ),
                name="finance_account_kind_valid",
            ),
        ),
        migrations.AddIndex(
            model_name="ledgertransaction",
            index=models.Index(fields=["group", "effective_date"], name="finance_txn_group_date"),
        ),
        migrations.AddConstraint(
            model_name="ledgertransaction",
            constraint=models.UniqueConstraint(
                fields=("group", "idempotency_key"), name="finance_transaction_idempotency"
            ),
        ),
        migrations.AddConstraint(
            model_name="ledgertransaction",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    (
                        "kind__in",
                        [
                            "installment_payment",
                            "up_front_fee",
                            "late_charges",
                            "bank_settlement",
                            "bank_fee",
                            "unidentified_receipt",
                            "bid_payment",
                            "bid_application",
                            "credit_award",
                            "credit_release",
                            "refund",
                            "refund_payment",
                            "insurance_remittance",
                            "fee_transfer",
                            "difference",
                            "yield",
                            "closing",
                            "opening_balance",
                            "manual_adjustment",
                            "reversal",
                        ],
                    )
                ),
                name="finance_transaction_kind_valid",
            ),
        ),
        migrations.AddConstraint(
            model_name="ledgertransaction",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("reversal_of__isnull", True), ("kind", "reversal"), _connector="OR"
                ),
                name="finance_transaction_reversal_kind",
            ),
        ),
        migrations.AddIndex(
            model_name="ledgerentry",
            index=models.Index(
                condition=models.Q(("quota_version__isnull", False)),
                fields=["quota_version"],
                name="finance_entry_quota_version",
            ),
        ),
        migrations.AddConstraint(
            model_name="ledgerentry",
            constraint=models.CheckConstraint(
                condition=models.Q(("amount", 0), _negated=True),
                name="finance_entry_amount_nonzero",
            ),
        ),
        migrations.AddConstraint(
            model_name="ledgerentry",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("fraction__isnull", True), ("quota_version__isnull", False), _connector="OR"
                ),
                name="finance_entry_fraction_needs_quota",
            ),
        ),
        migrations.AddConstraint(
            model_name="quotaledgerbalance",
            constraint=models.UniqueConstraint(
                fields=("account", "quota_version"), name="finance_quota_balance_unique"
            ),
        ),
        migrations.RunSQL(LEDGER_SQL, LEDGER_REVERSE_SQL),
    ]
