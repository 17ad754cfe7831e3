"""Imported bank return files (retorno) and the outcome of each of their records (ISSUE 11 §5a).

``BankFile.sha256`` is unique: the same file uploaded twice is recognised and applies nothing
again. A file is stored whole (``content``) so its chunks can be applied by workers and an
interrupted import resumes; ``BankFileLine`` keeps one row per record with what happened to it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class BankFileStatus(models.TextChoices):
    RECEIVED = "received", "Recebido"
    REJECTED = "rejected", "Rejeitado"
    APPLYING = "applying", "Em aplicação"
    APPLIED = "applied", "Aplicado"


class LineOutcome(models.TextChoices):
    APPLIED = "applied", "Aplicado"
    DUPLICATE = "duplicate", "Já aplicado"
    UNMATCHED = "unmatched", "Sem cobrança"
    DIVERGENT = "divergent", "Valor divergente"
    REGISTERED = "registered", "Entrada confirmada"
    WRITTEN_OFF = "written_off", "Baixa"
    REVERSED = "reversed", "Estornado"
    FEE = "fee", "Tarifa debitada"
    IGNORED = "ignored", "Ignorado"
    REJECTED = "rejected", "Rejeitado"


class BankFile(models.Model):
    """One uploaded return file."""

    sha256 = models.CharField("SHA-256", max_length=64, unique=True)
    filename = models.CharField("arquivo", max_length=255)
    bank_code = models.CharField("banco", max_length=3, blank=True)
    bank_name = models.CharField("nome do banco", max_length=80, blank=True)
    format = models.CharField("formato", max_length=10, blank=True)
    layout = models.CharField("leiaute", max_length=40, blank=True)
    status = models.CharField(
        "situação", max_length=10, choices=BankFileStatus.choices, default=BankFileStatus.RECEIVED
    )
    content = models.BinaryField("conteúdo")
    line_count = models.PositiveIntegerField("linhas", default=0)
    records_total = models.PositiveIntegerField("registros", default=0)
    applied_count = models.PositiveIntegerField("aplicados", default=0)
    duplicate_count = models.PositiveIntegerField("já aplicados", default=0)
    unmatched_count = models.PositiveIntegerField("sem cobrança", default=0)
    divergent_count = models.PositiveIntegerField("divergentes", default=0)
    other_count = models.PositiveIntegerField("outras ocorrências", default=0)
    rejected_count = models.PositiveIntegerField("rejeitados", default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="enviado por",
    )
    job = models.OneToOneField(
        "consorcio.Job", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField("recebido em", auto_now_add=True)
    finished_at = models.DateTimeField("concluído em", null=True, blank=True)

    class Meta:
        verbose_name = "arquivo de retorno"
        verbose_name_plural = "arquivos de retorno"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.filename} ({self.get_status_display()})"


class BankFileLine(models.Model):
    """What happened to one record of a file (or one broken line of a rejected file)."""

    bank_file = models.ForeignKey(
        BankFile, on_delete=models.CASCADE, related_name="lines", verbose_name="arquivo"
    )
    line_number = models.PositiveIntegerField("linha")
    nosso_numero = models.CharField("nosso número", max_length=20, blank=True)
    occurrence_code = models.CharField("ocorrência", max_length=4, blank=True)
    category = models.CharField("categoria", max_length=20, blank=True)
    amount_paid = models.DecimalField(
        "valor pago", max_digits=14, decimal_places=2, null=True, blank=True
    )
    outcome = models.CharField("resultado", max_length=12, choices=LineOutcome.choices)
    message = models.CharField("mensagem", max_length=300, blank=True)
    charge = models.ForeignKey(
        "finance.Charge",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="cobrança",
    )
    payment = models.ForeignKey(
        "finance.Payment",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="pagamento",
    )

    class Meta:
        verbose_name = "linha de arquivo de retorno"
        verbose_name_plural = "linhas de arquivo de retorno"
        ordering = ["bank_file", "line_number"]
        constraints = [
            models.UniqueConstraint(
                fields=["bank_file", "line_number"], name="finance_bankfileline_unique_line"
            )
        ]

    def __str__(self) -> str:
        return f"Linha {self.line_number}: {self.get_outcome_display()}"
