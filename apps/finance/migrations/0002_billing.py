"""Installments, charges, billing runs, bank agreements and price differences (models.billing)."""

from decimal import Decimal

import django.db.models.deletion
import django.db.models.expressions
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("consorcio", "0004_personal_data_access_append_only"),
        ("finance", "0001_ledger"),
        ("groups", "0004_quota_contract"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="BankAgreement",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("bank_code", models.CharField(max_length=3, verbose_name="banco")),
                ("agency", models.CharField(max_length=5, verbose_name="agência")),
                (
                    "agency_digit",
                    models.CharField(blank=True, max_length=1, verbose_name="dígito da agência"),
                ),
                ("account", models.CharField(max_length=12, verbose_name="conta")),
                (
                    "account_digit",
                    models.CharField(blank=True, max_length=1, verbose_name="dígito da conta"),
                ),
                ("wallet", models.CharField(max_length=3, verbose_name="carteira")),
                (
                    "agreement_code",
                    models.CharField(max_length=20, verbose_name="código do convênio"),
                ),
                (
                    "variant",
                    models.CharField(
                        blank=True,
                        help_text="BB: nn17; Sicoob: modalidade",
                        max_length=10,
                        verbose_name="variante do leiaute",
                    ),
                ),
                ("beneficiary_name", models.CharField(max_length=120, verbose_name="beneficiário")),
                (
                    "beneficiary_document",
                    models.CharField(max_length=14, verbose_name="CNPJ do beneficiário"),
                ),
                ("pix_key", models.CharField(blank=True, max_length=77, verbose_name="chave PIX")),
                (
                    "first_nosso_numero",
                    models.PositiveBigIntegerField(verbose_name="primeiro nosso número"),
                ),
                (
                    "last_nosso_numero",
                    models.PositiveBigIntegerField(verbose_name="último nosso número"),
                ),
                (
                    "next_nosso_numero",
                    models.PositiveBigIntegerField(verbose_name="próximo nosso número"),
                ),
                ("is_active", models.BooleanField(default=True, verbose_name="ativo")),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                (
                    "group",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="groups.consortiumgroup",
                        verbose_name="grupo",
                    ),
                ),
            ],
            options={
                "verbose_name": "convênio bancário",
                "verbose_name_plural": "convênios bancários",
            },
        ),
        migrations.CreateModel(
            name="BillingRun",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("period", models.DateField(verbose_name="competência")),
                ("quotas_planned", models.PositiveIntegerField(default=0, verbose_name="cotas")),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                (
                    "group",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="groups.consortiumgroup",
                        verbose_name="grupo",
                    ),
                ),
                (
                    "job",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="consorcio.job",
                    ),
                ),
                (
                    "started_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name": "faturamento",
                "verbose_name_plural": "faturamentos",
                "ordering": ["-created_at"],
            },
        ),
        migrations.CreateModel(
            name="CreditValue",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("effective_from", models.DateField(verbose_name="vigente desde")),
                (
                    "value",
                    models.DecimalField(
                        decimal_places=2, max_digits=14, verbose_name="valor do crédito"
                    ),
                ),
                (
                    "previous_value",
                    models.DecimalField(
                        decimal_places=2, max_digits=14, verbose_name="valor anterior"
                    ),
                ),
                ("index", models.CharField(max_length=20, verbose_name="índice")),
                (
                    "variation",
                    models.DecimalField(
                        decimal_places=10, max_digits=14, verbose_name="variação do índice"
                    ),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                (
                    "created_by",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "group",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="groups.consortiumgroup",
                    ),
                ),
            ],
            options={
                "verbose_name": "valor do crédito",
                "verbose_name_plural": "valores do crédito",
                "ordering": ["group", "effective_from"],
            },
        ),
        migrations.CreateModel(
            name="InstallmentSchedule",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "status",
                    models.CharField(
                        choices=[("active", "Ativo"), ("cancelled", "Cancelado")],
                        default="active",
                        max_length=10,
                        verbose_name="situação",
                    ),
                ),
                ("term_months", models.PositiveSmallIntegerField(verbose_name="prazo (meses)")),
                (
                    "admin_fee_total",
                    models.DecimalField(
                        decimal_places=10, max_digits=14, verbose_name="taxa de administração total"
                    ),
                ),
                (
                    "upfront_fee",
                    models.DecimalField(
                        decimal_places=10, max_digits=14, verbose_name="antecipação da taxa"
                    ),
                ),
                (
                    "reserve_fund",
                    models.DecimalField(
                        decimal_places=10, max_digits=14, verbose_name="fundo de reserva"
                    ),
                ),
                (
                    "insurance",
                    models.DecimalField(decimal_places=10, max_digits=14, verbose_name="seguro"),
                ),
                (
                    "missed_installments",
                    models.PositiveSmallIntegerField(verbose_name="parcelas anteriores à adesão"),
                ),
                (
                    "catch_up_installments",
                    models.PositiveSmallIntegerField(verbose_name="parcelas de reposição"),
                ),
                ("sold_on", models.DateField(verbose_name="data da adesão")),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                (
                    "group",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="groups.consortiumgroup",
                    ),
                ),
                (
                    "quota",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="groups.quota",
                    ),
                ),
                (
                    "quota_version",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="groups.quotaversion",
                    ),
                ),
            ],
            options={
                "verbose_name": "plano de parcelas",
                "verbose_name_plural": "planos de parcelas",
            },
        ),
        migrations.CreateModel(
            name="Installment",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("number", models.PositiveSmallIntegerField(verbose_name="número")),
                ("due_date", models.DateField(verbose_name="vencimento")),
                (
                    "common_fund",
                    models.DecimalField(
                        decimal_places=10, max_digits=14, verbose_name="fundo comum"
                    ),
                ),
                (
                    "reserve_fund",
                    models.DecimalField(
                        decimal_places=10, max_digits=14, verbose_name="fundo de reserva"
                    ),
                ),
                (
                    "admin_fee",
                    models.DecimalField(
                        decimal_places=10, max_digits=14, verbose_name="taxa de administração"
                    ),
                ),
                (
                    "insurance",
                    models.DecimalField(decimal_places=10, max_digits=14, verbose_name="seguro"),
                ),
                (
                    "catch_up",
                    models.DecimalField(
                        decimal_places=10,
                        default=Decimal("0"),
                        max_digits=14,
                        verbose_name="reposição incluída",
                    ),
                ),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("open", "Em aberto"),
                            ("paid", "Paga"),
                            ("cancelled", "Cancelada"),
                        ],
                        default="open",
                        max_length=10,
                        verbose_name="situação",
                    ),
                ),
                (
                    "schedule",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="installments",
                        to="finance.installmentschedule",
                    ),
                ),
            ],
            options={
                "verbose_name": "parcela",
                "verbose_name_plural": "parcelas",
                "ordering": ["schedule", "number"],
            },
        ),
        migrations.CreateModel(
            name="Charge",
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
                            ("installment", "Parcela"),
                            ("upfront_fee", "Taxa de adesão"),
                            ("transfer_fee", "Taxa de transferência"),
                        ],
                        max_length=20,
                        verbose_name="tipo",
                    ),
                ),
                ("period", models.DateField(verbose_name="competência")),
                (
                    "first_installment",
                    models.PositiveSmallIntegerField(
                        blank=True, null=True, verbose_name="da parcela"
                    ),
                ),
                (
                    "last_installment",
                    models.PositiveSmallIntegerField(
                        blank=True, null=True, verbose_name="até a parcela"
                    ),
                ),
                ("due_date", models.DateField(verbose_name="vencimento")),
                (
                    "credit_value",
                    models.DecimalField(
                        blank=True,
                        decimal_places=2,
                        max_digits=14,
                        null=True,
                        verbose_name="valor do crédito",
                    ),
                ),
                (
                    "fraction_common_fund",
                    models.DecimalField(
                        decimal_places=10,
                        default=Decimal("0"),
                        max_digits=14,
                        verbose_name="fundo comum (%)",
                    ),
                ),
                (
                    "fraction_reserve_fund",
                    models.DecimalField(
                        decimal_places=10,
                        default=Decimal("0"),
                        max_digits=14,
                        verbose_name="fundo de reserva (%)",
                    ),
                ),
                (
                    "fraction_admin_fee",
                    models.DecimalField(
                        decimal_places=10,
                        default=Decimal("0"),
                        max_digits=14,
                        verbose_name="taxa de administração (%)",
                    ),
                ),
                (
                    "fraction_insurance",
                    models.DecimalField(
                        decimal_places=10,
                        default=Decimal("0"),
                        max_digits=14,
                        verbose_name="seguro (%)",
                    ),
                ),
                (
                    "amount_common_fund",
                    models.DecimalField(
                        decimal_places=2,
                        default=Decimal("0.00"),
                        max_digits=14,
                        verbose_name="fundo comum",
                    ),
                ),
                (
                    "amount_reserve_fund",
                    models.DecimalField(
                        decimal_places=2,
                        default=Decimal("0.00"),
                        max_digits=14,
                        verbose_name="fundo de reserva",
                    ),
                ),
                (
                    "amount_admin_fee",
                    models.DecimalField(
                        decimal_places=2,
                        default=Decimal("0.00"),
                        max_digits=14,
                        verbose_name="taxa de administração",
                    ),
                ),
                (
                    "amount_insurance",
                    models.DecimalField(
                        decimal_places=2,
                        default=Decimal("0.00"),
                        max_digits=14,
                        verbose_name="seguro",
                    ),
                ),
                (
                    "amount_fees",
                    models.DecimalField(
                        decimal_places=2,
                        default=Decimal("0.00"),
                        max_digits=14,
                        verbose_name="taxas",
                    ),
                ),
                (
                    "amount_differences",
                    models.DecimalField(
                        decimal_places=2,
                        default=Decimal("0.00"),
                        max_digits=14,
                        verbose_name="diferenças de prestação",
                    ),
                ),
                (
                    "amount_late_charges",
                    models.DecimalField(
                        decimal_places=2,
                        default=Decimal("0.00"),
                        max_digits=14,
                        verbose_name="multa e juros",
                    ),
                ),
                (
                    "amount",
                    models.DecimalField(decimal_places=2, max_digits=14, verbose_name="valor"),
                ),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("open", "Em aberto"),
                            ("paid", "Paga"),
                            ("cancelled", "Cancelada"),
                            ("overdue", "Vencida"),
                        ],
                        default="open",
                        max_length=10,
                        verbose_name="situação",
                    ),
                ),
                (
                    "nosso_numero",
                    models.CharField(blank=True, max_length=20, verbose_name="nosso número"),
                ),
                (
                    "barcode",
                    models.CharField(blank=True, max_length=44, verbose_name="código de barras"),
                ),
                (
                    "digitable_line",
                    models.CharField(blank=True, max_length=47, verbose_name="linha digitável"),
                ),
                ("pix_txid", models.CharField(blank=True, max_length=35, verbose_name="txid PIX")),
                ("pix_payload", models.TextField(blank=True, verbose_name="PIX copia e cola")),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                (
                    "bank_agreement",
                    models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="finance.bankagreement",
                    ),
                ),
                (
                    "billing_run",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="charges",
                        to="finance.billingrun",
                    ),
                ),
                (
                    "group",
                    models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="groups.consortiumgroup",
                    ),
                ),
                (
                    "obligation",
                    models.OneToOneField(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="groups.quotaobligation",
                    ),
                ),
                (
                    "quota",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="groups.quota",
                    ),
                ),
                (
                    "quota_version",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="groups.quotaversion",
                    ),
                ),
                (
                    "schedule",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="finance.installmentschedule",
                    ),
                ),
            ],
            options={
                "verbose_name": "cobrança",
                "verbose_name_plural": "cobranças",
                "ordering": ["due_date", "pk"],
            },
        ),
        migrations.CreateModel(
            name="PriceDifference",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "reason",
                    models.CharField(
                        choices=[
                            ("adjustment", "Reajuste do crédito"),
                            ("payment", "Diferença de pagamento"),
                        ],
                        max_length=12,
                        verbose_name="motivo",
                    ),
                ),
                (
                    "amount",
                    models.DecimalField(decimal_places=2, max_digits=14, verbose_name="valor"),
                ),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                (
                    "charge",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="differences",
                        to="finance.charge",
                    ),
                ),
                (
                    "credit_value",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="finance.creditvalue",
                    ),
                ),
                (
                    "quota",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="groups.quota",
                    ),
                ),
                (
                    "schedule",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="differences",
                        to="finance.installmentschedule",
                    ),
                ),
                (
                    "source_charge",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="finance.charge",
                    ),
                ),
            ],
            options={
                "verbose_name": "diferença de prestação",
                "verbose_name_plural": "diferenças de prestação",
            },
        ),
        migrations.AddConstraint(
            model_name="bankagreement",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("first_nosso_numero__lte", models.F("last_nosso_numero")),
                    ("next_nosso_numero__gte", models.F("first_nosso_numero")),
                    (
                        "next_nosso_numero__lte",
                        django.db.models.expressions.CombinedExpression(
                            models.F("last_nosso_numero"), "+", models.Value(1)
                        ),
                    ),
                ),
                name="finance_agreement_range",
            ),
        ),
        migrations.AddConstraint(
            model_name="bankagreement",
            constraint=models.UniqueConstraint(
                condition=models.Q(("is_active", True)),
                fields=("group",),
                name="finance_agreement_one_active_per_group",
            ),
        ),
        migrations.AddConstraint(
            model_name="bankagreement",
            constraint=models.UniqueConstraint(
                condition=models.Q(("group__isnull", True), ("is_active", True)),
                fields=("is_active",),
                name="finance_agreement_one_active_default",
            ),
        ),
        migrations.AddConstraint(
            model_name="billingrun",
            constraint=models.CheckConstraint(
                condition=models.Q(("period__day", 1)), name="finance_run_period_month"
            ),
        ),
        migrations.AddConstraint(
            model_name="creditvalue",
            constraint=models.UniqueConstraint(
                fields=("group", "effective_from"), name="finance_credit_value_one_per_date"
            ),
        ),
        migrations.AddConstraint(
            model_name="creditvalue",
            constraint=models.CheckConstraint(
                condition=models.Q(("value__gt", 0)), name="finance_credit_value_positive"
            ),
        ),
        migrations.AddIndex(
            model_name="installmentschedule",
            index=models.Index(fields=["quota", "status"], name="finance_schedule_quota"),
        ),
        migrations.AddConstraint(
            model_name="installmentschedule",
            constraint=models.CheckConstraint(
                condition=models.Q(("missed_installments__lt", models.F("term_months"))),
                name="finance_schedule_missed_within_term",
            ),
        ),
        migrations.AddConstraint(
            model_name="installmentschedule",
            constraint=models.CheckConstraint(
                condition=models.Q(("status__in", ["active", "cancelled"])),
                name="finance_schedule_status",
            ),
        ),
        migrations.AddConstraint(
            model_name="installment",
            constraint=models.UniqueConstraint(
                fields=("schedule", "number"), name="finance_installment_number_unique"
            ),
        ),
        migrations.AddConstraint(
            model_name="installment",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("common_fund__gte", 0),
                    ("reserve_fund__gte", 0),
                    ("admin_fee__gte", 0),
                    ("catch_up__gte", 0),
                    ("insurance__gte", 0),
                ),
                name="finance_installment_fractions_non_negative",
            ),
        ),
        migrations.AddConstraint(
            model_name="installment",
            constraint=models.CheckConstraint(
                condition=models.Q(("status__in", ["open", "paid", "cancelled"])),
                name="finance_installment_status",
            ),
        ),
        migrations.AddIndex(
            model_name="charge",
            index=models.Index(
                condition=models.Q(
                    ("kind", "installment"), models.Q(("status", "cancelled"), _negated=True)
                ),
                fields=["schedule", "last_installment"],
                name="finance_charge_cursor",
            ),
        ),
        migrations.AddIndex(
            model_name="charge",
            index=models.Index(fields=["quota_version", "due_date"], name="finance_charge_version"),
        ),
        migrations.AddIndex(
            model_name="charge",
            index=models.Index(fields=["group", "due_date"], name="finance_charge_group_due"),
        ),
        migrations.AddIndex(
            model_name="charge",
            index=models.Index(
                condition=models.Q(("status", "open")),
                fields=["due_date"],
                name="finance_charge_open_due",
            ),
        ),
        migrations.AddConstraint(
            model_name="charge",
            constraint=models.UniqueConstraint(
                condition=models.Q(("kind", "installment")),
                fields=("quota", "period"),
                name="finance_charge_one_installment_bill_per_period",
            ),
        ),
        migrations.AddConstraint(
            model_name="charge",
            constraint=models.UniqueConstraint(
                condition=models.Q(("nosso_numero", ""), _negated=True),
                fields=("bank_agreement", "nosso_numero"),
                name="finance_charge_nosso_numero_unique",
            ),
        ),
        migrations.AddConstraint(
            model_name="charge",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    (
                        "amount",
                        django.db.models.expressions.CombinedExpression(
                            django.db.models.expressions.CombinedExpression(
                                django.db.models.expressions.CombinedExpression(
                                    django.db.models.expressions.CombinedExpression(
                                        django.db.models.expressions.CombinedExpression(
                                            django.db.models.expressions.CombinedExpression(
                                                models.F("amount_common_fund"),
                                                "+",
                                                models.F("amount_reserve_fund"),
                                            ),
                                            "+",
                                            models.F("amount_admin_fee"),
                                        ),
                                        "+",
                                        models.F("amount_insurance"),
                                    ),
                                    "+",
                                    models.F("amount_fees"),
                                ),
                                "+",
                                models.F("amount_differences"),
                            ),
                            "+",
                            models.F("amount_late_charges"),
                        ),
                    )
                ),
                name="finance_charge_parts_sum_to_amount",
            ),
        ),
        migrations.AddConstraint(
            model_name="charge",
            constraint=models.CheckConstraint(
                condition=models.Q(("amount__gte", 0)), name="finance_charge_not_negative"
            ),
        ),
        migrations.AddConstraint(
            model_name="charge",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(
                        ("kind", "installment"),
                        ("schedule__isnull", False),
                        ("credit_value__isnull", False),
                        ("first_installment__isnull", False),
                        ("last_installment__gte", models.F("first_installment")),
                    ),
                    models.Q(
                        models.Q(("kind", "installment"), _negated=True),
                        ("obligation__isnull", False),
                    ),
                    _connector="OR",
                ),
                name="finance_charge_kind_fields",
            ),
        ),
        migrations.AddConstraint(
            model_name="charge",
            constraint=models.CheckConstraint(
                condition=models.Q(("status__in", ["open", "paid", "cancelled", "overdue"])),
                name="finance_charge_status",
            ),
        ),
        migrations.AddConstraint(
            model_name="charge",
            constraint=models.CheckConstraint(
                condition=models.Q(("period__day", 1)), name="finance_charge_period_month"
            ),
        ),
        migrations.AddIndex(
            model_name="pricedifference",
            index=models.Index(
                condition=models.Q(("charge__isnull", True)),
                fields=["schedule"],
                name="finance_diff_pending",
            ),
        ),
        migrations.AddConstraint(
            model_name="pricedifference",
            constraint=models.UniqueConstraint(
                condition=models.Q(("reason", "adjustment")),
                fields=("source_charge", "credit_value"),
                name="finance_difference_once_per_adjustment",
            ),
        ),
    ]
