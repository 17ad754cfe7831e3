"""Forms of the members pages: shape and per-field messages; the services enforce the rules."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms

from apps.members import services
from apps.members.models import UF_CHOICES, Member


class MemberEditForm(forms.Form):
    """The editable fields of a member (kind and document never change)."""

    name = forms.CharField(label="Nome", max_length=200)
    birth_date = forms.DateField(
        label="Data de nascimento ou fundação",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    email = forms.EmailField(label="E-mail", required=False)
    phones = forms.CharField(
        label="Telefones",
        required=False,
        help_text="Com DDD, separados por vírgula. Ex.: (11) 91234-5678, (21) 3456-7890",
    )
    monthly_income = forms.DecimalField(
        label="Renda mensal declarada (R$)",
        max_digits=14,
        decimal_places=2,
        min_value=Decimal("0"),
        initial=Decimal("0.00"),
    )
    refuses_disclosure = forms.BooleanField(
        label="Recusa a divulgação de nome e endereço aos demais consorciados", required=False
    )

    def clean_phones(self) -> list[str]:
        """Each phone a Brazilian number with area code, stored as digits."""
        raw = self.cleaned_data.get("phones") or ""
        try:
            return [services.normalize_phone(p) for p in raw.split(",") if p.strip()]
        except services.InvalidPhoneError as error:
            raise forms.ValidationError(error.detail) from None

    @classmethod
    def initial_for(cls, member: Member) -> dict[str, Any]:
        """The form's initial values from a member."""
        return {
            "name": member.name,
            "birth_date": member.birth_date,
            "email": member.email,
            "phones": ", ".join(member.phones),
            "monthly_income": member.monthly_income,
            "refuses_disclosure": member.refuses_disclosure,
        }


class AddressForm(forms.Form):
    """An address: the parts a Brazilian address has; the services validate it again."""

    street = forms.CharField(label="Logradouro", max_length=200)
    number = forms.CharField(label="Número", max_length=20)
    complement = forms.CharField(label="Complemento", max_length=100, required=False)
    district = forms.CharField(label="Bairro", max_length=100)
    city = forms.CharField(label="Cidade", max_length=100)
    uf = forms.ChoiceField(label="UF", choices=[("", "—"), *UF_CHOICES])
    cep = forms.CharField(label="CEP", max_length=9, help_text="8 dígitos, ex.: 01310-100")

    def clean_cep(self) -> str:
        """Digits only, exactly 8."""
        digits = "".join(ch for ch in self.cleaned_data.get("cep", "") if ch.isdigit())
        if len(digits) != 8:
            raise forms.ValidationError("CEP deve ter 8 dígitos.")
        return digits

    def address(self) -> services.AddressData:
        """The address part of the cleaned data."""
        data = self.cleaned_data
        return services.AddressData(
            street=data["street"],
            number=data["number"],
            complement=data.get("complement", ""),
            district=data["district"],
            city=data["city"],
            uf=data["uf"],
            cep=data["cep"],
            is_primary=bool(data.get("is_primary", True)),
        )


class NewAddressForm(AddressForm):
    """One more address of a member, maybe becoming the primary one."""

    is_primary = forms.BooleanField(label="Tornar este o endereço principal", required=False)


class PhoneForm(forms.Form):
    """One more phone of a member."""

    phone = forms.CharField(
        label="Telefone", max_length=20, help_text="Com DDD, ex.: (11) 91234-5678"
    )

    def clean_phone(self) -> str:
        """A Brazilian number with area code, as digits."""
        try:
            return services.normalize_phone(self.cleaned_data.get("phone", ""))
        except services.InvalidPhoneError as error:
            raise forms.ValidationError(error.detail) from None


# Purposes staff usually record (suggestions: any purpose may be typed).
CONSENT_PURPOSES = (
    "Comunicações de marketing",
    "Compartilhamento com parceiros",
    "Contato por WhatsApp",
    "Consulta a bureaus de crédito",
)


class ConsentForm(forms.Form):
    """An LGPD consent the member gave: for what, under which version of the text."""

    purpose = forms.CharField(
        label="Finalidade",
        max_length=100,
        widget=forms.TextInput(attrs={"list": "consent-purposes"}),
    )
    text_version = forms.CharField(
        label="Versão do texto",
        max_length=40,
        help_text="A versão do termo que o consorciado aceitou.",
    )


class MemberCreateForm(AddressForm, MemberEditForm):
    """A new member with its first (primary) address."""

    field_order = ["kind", "document", "name"]

    kind = forms.ChoiceField(label="Tipo", choices=Member.Kind.choices)
    document = forms.CharField(label="CPF ou CNPJ", max_length=18)

    def clean(self) -> dict[str, Any]:
        """The document must be a valid CPF (PF) or CNPJ (PJ); stored as digits."""
        cleaned = super().clean() or {}
        kind, document = cleaned.get("kind"), cleaned.get("document")
        if kind and document:
            try:
                cleaned["document"] = services.normalize_document(kind, document)
            except services.InvalidDocumentError as error:
                self.add_error("document", error.detail)
        return cleaned

    def member_fields(self) -> dict[str, Any]:
        """The member part of the cleaned data (keyword arguments of `register_member`)."""
        data = self.cleaned_data
        names = ("kind", "document", "name", "birth_date", "email", "phones", "monthly_income")
        return {
            **{name: data[name] for name in names},
            "refuses_disclosure": data["refuses_disclosure"],
        }
