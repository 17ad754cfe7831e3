"""Forms of the accounts pages: they validate shape; the services write and enforce the rules."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm, SetPasswordForm
from django.db.models import QuerySet

from apps.accounts.models import SalesChannel, SalesRepresentative, User
from apps.accounts.roles import ROLE_CHOICES
from apps.accounts.services import identity


class LoginForm(AuthenticationForm):
    """Username and password (django-axes counts the failures through ``authenticate``)."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": "Usuário ou senha incorretos. Atenção: maiúsculas e minúsculas contam.",
        "inactive": "Esta conta está desativada.",
    }


class ChangePasswordForm(PasswordChangeForm):
    """Password change by the signed-in user; saving ends its other sessions and tokens."""

    def save(self, commit: bool = True) -> Any:
        return identity.change_password(
            user=self.user, new_password=self.cleaned_data["new_password1"]
        )


class ResetPasswordForm(SetPasswordForm):
    """New password through the e-mailed link; saving ends every session and token."""

    def save(self, commit: bool = True) -> Any:
        return identity.reset_password(
            user=self.user, new_password=self.cleaned_data["new_password1"]
        )


class TwoFactorCodeForm(forms.Form):
    """A six-digit code from the authenticator app, or a backup code."""

    token = forms.CharField(
        label="Código de verificação",
        max_length=16,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )


class UserRolesForm(forms.Form):
    """The roles a staff user holds."""

    roles = forms.MultipleChoiceField(
        label="Papéis",
        choices=ROLE_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )


class SalesChannelForm(forms.ModelForm):
    """Create or edit a sales channel (the code is fixed once created)."""

    class Meta:
        model = SalesChannel
        fields = ["code", "name", "kind", "is_active"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            self.fields["code"].disabled = True


class SalesRepresentativeForm(forms.Form):
    """Create or edit a sales representative: which staff user sells for which channel."""

    user = forms.ModelChoiceField(label="Usuário", queryset=User.objects.none())
    channel = forms.ModelChoiceField(label="Canal de vendas", queryset=SalesChannel.objects.none())
    is_active = forms.BooleanField(label="Ativo", required=False, initial=True)

    def __init__(
        self,
        *args: Any,
        channels: QuerySet[SalesChannel],
        users: QuerySet[User],
        instance: SalesRepresentative | None = None,
        **kwargs: Any,
    ) -> None:
        if instance is not None:
            kwargs.setdefault(
                "initial",
                {
                    "user": instance.user,
                    "channel": instance.channel,
                    "is_active": instance.is_active,
                },
            )
        super().__init__(*args, **kwargs)
        self.instance = instance
        user_field = self.fields["user"]
        assert isinstance(user_field, forms.ModelChoiceField)
        channel_field = self.fields["channel"]
        assert isinstance(channel_field, forms.ModelChoiceField)
        user_field.queryset = users
        channel_field.queryset = channels
        if instance is not None:
            user_field.queryset = User.objects.filter(pk=instance.user_id)
            user_field.disabled = True
