"""Bank-file imports read only their chunk's bytes; bank fee debits have their own outcome.

- ``finance_bankfile.content`` is stored uncompressed out of line (``STORAGE EXTERNAL``): a
  chunk's ``substring(content ...)`` then reads only the TOAST pages of its part instead of
  decompressing the file up to that point (which made a large import quadratic). Files stored
  before keep their compressed form until rewritten (they still import, only slower).
- ``BankFileLine.outcome`` gains ``fee`` (a bank fee debit posted to the ledger).
"""

from django.db import migrations, models

STORAGE_SQL = "ALTER TABLE finance_bankfile ALTER COLUMN content SET STORAGE EXTERNAL"
STORAGE_REVERSE_SQL = "ALTER TABLE finance_bankfile ALTER COLUMN content SET STORAGE EXTENDED"


class Migration(migrations.Migration):
    dependencies = [
        ("finance", "0010_bid_charges"),
    ]

    operations = [
        migrations.RunSQL(STORAGE_SQL, STORAGE_REVERSE_SQL),
        migrations.AlterField(
            model_name="bankfileline",
            name="outcome",
            field=models.CharField(
                choices=[
                    ("applied", "Aplicado"),
                    ("duplicate", "Já aplicado"),
                    ("unmatched", "Sem cobrança"),
                    ("divergent", "Valor divergente"),
                    ("registered", "Entrada confirmada"),
                    ("written_off", "Baixa"),
                    ("reversed", "Estornado"),
                    ("fee", "Tarifa debitada"),
                    ("ignored", "Ignorado"),
                    ("rejected", "Rejeitado"),
                ],
                max_length=12,
                verbose_name="resultado",
            ),
        ),
    ]
