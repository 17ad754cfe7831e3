"""Members (consorciados), their addresses and LGPD consent records.

A member is a natural person (PF, CPF) or a legal entity (PJ, CNPJ). The document is stored
normalized (digits only) and unique. Ownership columns (``sales_channel``,
``sales_representative``) say who brought the member in; `apps.accounts` scopes reads by them.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models.functions import Lower


class ImmutableUnaccent(models.Func):
    """``immutable_unaccent(text)``: unaccent usable in indexes (function of migration 0001)."""

    function = "immutable_unaccent"
    output_field = models.TextField()


# The 27 federative units.
UF_CHOICES = [
    (uf, uf)
    for uf in [
        "AC",
        "AL",
        "AP",
        "AM",
        "BA",
        "CE",
        "DF",
        "ES",
        "GO",
        "MA",
        "MT",
        "MS",
        "MG",
        "PA",
        "PB",
        "PR",
        "PE",
        "PI",
        "RJ",
        "RN",
        "RS",
        "RO",
        "RR",
        "SC",
        "SP",
        "SE",
        "TO",
    ]
]

cep_validator = RegexValidator(r"^\d{8}$", "CEP deve ter 8 dígitos.")


class Member(models.Model):
    """A consorciado: PF (CPF) or PJ (CNPJ)."""

    class Kind(models.TextChoices):
        PERSON = "PF", "Pessoa física"
        COMPANY = "PJ", "Pessoa jurídica"

    kind = models.CharField("tipo", max_length=2, choices=Kind.choices)
    # unique=True also gives the column a varchar_pattern_ops index (Django's "_like" index on
    # PostgreSQL), which serves the document-prefix search (LIKE '529982%').
    document = models.CharField("CPF/CNPJ", max_length=14, unique=True)
    name = models.CharField("nome", max_length=200)
    birth_date = models.DateField("data de nascimento/fundação", null=True, blank=True)
    email = models.EmailField("e-mail", max_length=254, blank=True)
    phones = ArrayField(
        models.CharField(max_length=11), verbose_name="telefones", default=list, blank=True
    )
    monthly_income = models.DecimalField(
        "renda mensal declarada",
        max_digits=14,
        decimal_places=2,
        default=Decimal("0.00"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    refuses_disclosure = models.BooleanField("recusa divulgação de nome e endereço", default=False)
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
    created_at = models.DateTimeField("cadastrado em", auto_now_add=True)
    updated_at = models.DateTimeField("alterado em", auto_now=True)

    class Meta:
        verbose_name = "consorciado"
        verbose_name_plural = "consorciados"
        permissions = [("view_personal_data", "Pode ver dados pessoais completos")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(monthly_income__gte=0), name="member_income_not_negative"
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(kind="PF", document__regex=r"^\d{11}$")
                    | models.Q(kind="PJ", document__regex=r"^\d{14}$")
                ),
                name="member_document_matches_kind",
            ),
        ]
        indexes = [
            GinIndex(
                OpClass(ImmutableUnaccent(Lower("name")), name="gin_trgm_ops"),
                name="member_name_trgm",
            ),
            models.Index(
                OpClass(Lower("email"), name="text_pattern_ops"), name="member_email_lower"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Address(models.Model):
    """One address of a member; at most one is primary."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="addresses")
    street = models.CharField("logradouro", max_length=200)
    number = models.CharField("número", max_length=20)
    complement = models.CharField("complemento", max_length=100, blank=True)
    district = models.CharField("bairro", max_length=100)
    city = models.CharField("cidade", max_length=100)
    uf = models.CharField("UF", max_length=2, choices=UF_CHOICES)
    cep = models.CharField("CEP", max_length=8, validators=[cep_validator])
    is_primary = models.BooleanField("principal", default=False)

    owner_channel_field = "member__sales_channel"
    owner_representative_field = "member__sales_representative"

    class Meta:
        verbose_name = "endereço"
        verbose_name_plural = "endereços"
        constraints = [
            models.UniqueConstraint(
                fields=["member"],
                condition=models.Q(is_primary=True),
                name="address_one_primary_per_member",
            ),
            models.CheckConstraint(condition=models.Q(cep__regex=r"^\d{8}$"), name="address_cep"),
        ]
        indexes = [models.Index(fields=["uf"], name="address_uf")]

    def __str__(self) -> str:
        return f"{self.street}, {self.number} - {self.city}/{self.uf}"


class Consent(models.Model):
    """An LGPD consent for one purpose: given (text version, when, by whom) and maybe revoked."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="consents")
    purpose = models.CharField("finalidade", max_length=100)
    text_version = models.CharField("versão do texto", max_length=40)
    given_at = models.DateTimeField("dado em")
    given_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    revoked_at = models.DateTimeField("revogado em", null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    owner_channel_field = "member__sales_channel"
    owner_representative_field = "member__sales_representative"

    class Meta:
        verbose_name = "consentimento"
        verbose_name_plural = "consentimentos"
        constraints = [
            models.UniqueConstraint(
                fields=["member", "purpose"],
                condition=models.Q(revoked_at__isnull=True),
                name="consent_one_active_per_purpose",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.purpose} ({self.text_version})"
