"""Logical documents and their immutable, checksummed versions.

A ``Document`` is what staff call "the document" (a contract, an ID card scan); every upload of
it is a ``DocumentVersion`` numbered 1..n. Versions are never edited or deleted by the
application: a correction is a new version, and old versions stay retrievable. The bytes live
in the named ``"documents"`` storage (local filesystem or S3-compatible, by environment); the
row keeps the original filename, the sniffed content type, the size and the SHA-256 digest that
every download verifies.

Ownership columns (``sales_channel``, ``sales_representative``) say whose document it is;
`apps.accounts` scopes reads by them exactly as it scopes members. A document with neither is
the administradora's own and is reached by unrestricted staff only. Only this context's
services write these tables.
"""

from __future__ import annotations

from django.conf import settings
from django.core.files.storage import Storage, storages
from django.db import models
from django.db.models import Q


class DocumentKind(models.TextChoices):
    CONTRACT = "contract", "Contrato de participação"
    IDENTITY = "identity", "Documento de identificação"
    PROOF_OF_ADDRESS = "proof_of_address", "Comprovante de endereço"
    PROOF_OF_INCOME = "proof_of_income", "Comprovante de renda"
    OTHER = "other", "Outro"


def _documents_storage() -> Storage:
    """The named ``"documents"`` storage of ``settings.STORAGES`` (resolved lazily)."""
    return storages["documents"]


class Document(models.Model):
    """A logical document; its content is the latest of its versions."""

    kind = models.CharField("tipo", max_length=30, choices=DocumentKind.choices)
    title = models.CharField("título", max_length=200)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="criado por",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField("criado em", auto_now_add=True)
    updated_at = models.DateTimeField("última versão em", auto_now=True)
    sales_channel = models.ForeignKey(
        "accounts.SalesChannel",
        verbose_name="canal de vendas",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    sales_representative = models.ForeignKey(
        "accounts.SalesRepresentative",
        verbose_name="representante",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    version_count = models.PositiveIntegerField("versões", default=0)

    class Meta:
        verbose_name = "documento"
        verbose_name_plural = "documentos"
        ordering = ["-updated_at", "-pk"]
        indexes = [
            models.Index(fields=["sales_channel", "-updated_at"], name="document_channel_idx"),
            models.Index(fields=["sales_representative", "-updated_at"], name="document_rep_idx"),
            models.Index(fields=["-updated_at", "-id"], name="document_recent_idx"),
        ]

    def __str__(self) -> str:
        return self.title


class DocumentVersion(models.Model):
    """One immutable upload of a document: the bytes' place, type, size and SHA-256."""

    # Scoped through the document's ownership (see apps.accounts.selectors.authorization).
    owner_channel_field = "document__sales_channel"
    owner_representative_field = "document__sales_representative"

    document = models.ForeignKey(
        Document, verbose_name="documento", on_delete=models.PROTECT, related_name="versions"
    )
    number = models.PositiveIntegerField("versão")
    file = models.FileField("arquivo", max_length=300, storage=_documents_storage)
    original_filename = models.CharField("nome original", max_length=255)
    size = models.PositiveBigIntegerField("tamanho (bytes)")
    content_type = models.CharField("tipo de conteúdo", max_length=100)
    sha256 = models.CharField("SHA-256", max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="enviado por",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    uploaded_at = models.DateTimeField("enviado em", auto_now_add=True)

    class Meta:
        verbose_name = "versão de documento"
        verbose_name_plural = "versões de documento"
        ordering = ["document_id", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["document", "number"], name="document_version_number_unique"
            ),
            models.CheckConstraint(
                condition=Q(number__gte=1), name="document_version_number_gte_1"
            ),
            models.CheckConstraint(
                condition=Q(sha256__regex=r"^[0-9a-f]{64}$"), name="document_version_sha256_hex"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.document} (v{self.number})"


class DocumentAccess(models.Model):
    """Append-only trail of downloads: a signed link issued, and a local file served."""

    audit_append_only = True

    class Event(models.TextChoices):
        LINK_ISSUED = "link_issued", "Link de download gerado"
        SERVED = "served", "Arquivo entregue"

    version = models.ForeignKey(
        DocumentVersion, verbose_name="versão", on_delete=models.PROTECT, related_name="+"
    )
    event = models.CharField("evento", max_length=20, choices=Event.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="usuário",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    at = models.DateTimeField("quando", auto_now_add=True)
    request_id = models.CharField("request id", max_length=64, blank=True)

    class Meta:
        verbose_name = "acesso a documento"
        verbose_name_plural = "acessos a documentos"
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["version", "-at"], name="document_access_version_idx")]

    def __str__(self) -> str:
        return f"{self.get_event_display()}: {self.version}"
