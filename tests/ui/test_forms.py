"""The form component: non-field errors on top, each field's errors right below it."""

from __future__ import annotations

from django import forms
from django.template.loader import render_to_string
from django.test import RequestFactory


class ChannelForm(forms.Form):
    name = forms.CharField(label="Nome", max_length=10)
    email = forms.EmailField(label="E-mail", required=False, help_text="Para avisos.")
    active = forms.BooleanField(label="Ativo", required=False)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("name") == "Duplicado":
            raise forms.ValidationError("Já existe um canal com este nome.")
        return cleaned


def _render(form: forms.Form, **extra) -> str:
    request = RequestFactory().get("/canais/novo/")
    return render_to_string("components/form.html", {"form": form, **extra}, request=request)


def test_field_errors_appear_right_below_their_field_in_portuguese():
    form = ChannelForm(data={"name": "", "email": "não-é-email"})
    assert not form.is_valid()

    html = _render(form, submit_label="Criar canal")

    name_input = html.index('id="id_name"')
    name_error = html.index('data-testid="field-errors-name"')
    email_input = html.index('id="id_email"')
    assert name_input < name_error < email_input
    assert "Este campo é obrigatório." in html
    assert "Insira um endereço de email válido." in html
    assert 'aria-invalid="true"' in html
    assert 'aria-describedby="id_name_errors"' in html
    assert ">Criar canal</button>" in html


def test_non_field_errors_are_shown_on_top_of_the_form():
    form = ChannelForm(data={"name": "Duplicado"})
    assert not form.is_valid()

    html = _render(form)

    assert html.index("Já existe um canal com este nome.") < html.index('id="id_name"')
    assert 'data-testid="form-errors"' in html
    assert "aria-invalid" not in html  # no field itself is wrong


def test_a_valid_or_unbound_form_shows_no_error_markup_and_carries_the_csrf_token():
    html = _render(ChannelForm(), cancel_url="/canais/", confirm="Criar este canal?")

    assert "form-errors" not in html
    assert "field-errors" not in html
    assert 'name="csrfmiddlewaretoken"' in html
    assert 'data-confirm="Criar este canal?"' in html
    assert 'href="/canais/"' in html
    assert 'aria-describedby="id_email_help"' in html
