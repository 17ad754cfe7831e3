"""Bid charges (issue 12): ``ChargeKind.BID``, the bid's unique ``reference`` on the charge.

A bid charge carries the cash part of a winning bid (``services.awards.issue_bid_charge``):
its schedule and credit value, no obligation, and the draws context's bid reference, unique
so issuing it twice returns the first charge.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("finance", "0009_charge_pix_txid_index"),
        ("groups", "0004_quota_contract"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="charge",
            name="finance_charge_kind_fields",
        ),
        migrations.AddField(
            model_name="charge",
            name="reference",
            field=models.CharField(
                blank=True, default="", max_length=150, verbose_name="referência"
            ),
        ),
        migrations.AlterField(
            model_name="charge",
            name="kind",
            field=models.CharField(
                choices=[
                    ("installment", "Parcela"),
                    ("upfront_fee", "Taxa de adesão"),
                    ("transfer_fee", "Taxa de transferência"),
                    ("bid", "Lance"),
                ],
                max_length=20,
                verbose_name="tipo",
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
                        ("credit_value__isnull", False),
                        ("kind", "bid"),
                        ("schedule__isnull", False),
                        ("obligation__isnull", True),
                        models.Q(("reference", ""), _negated=True),
                    ),
                    models.Q(
                        models.Q(("kind__in", ["installment", "bid"]), _negated=True),
                        ("obligation__isnull", False),
                    ),
                    _connector="OR",
                ),
                name="finance_charge_kind_fields",
            ),
        ),
        migrations.AddConstraint(
            model_name="charge",
            constraint=models.UniqueConstraint(
                condition=models.Q(("reference", ""), _negated=True),
                fields=("reference",),
                name="finance_charge_reference_unique",
            ),
        ),
    ]
