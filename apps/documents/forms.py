"""Forms of the documents pages: shape only; `services.storage` decides what is accepted."""

from __future__ import annotations

from django import forms
from django.core.files.uploadedfile import UploadedFile

from apps.documents.models import DocumentKind
from apps.documents.services import sniffing


class _FileField(forms.FileField):
    def __init__(self) -> None:
        super().__init__(
            label="Arquivo",
            help_text=f"{sniffing.allowed_labels()}.",
            widget=forms.FileInput(
                attrs={"accept": ",".join(kind.mime for kind in sniffing.ALLOWED_TYPES)}
            ),
            error_messages={
                "required": "Escolha o arquivo a enviar.",
                "empty": "O arquivo enviado está vazio.",
            },
        )


class DocumentUploadForm(forms.Form):
    """A new document: its kind, title and first file."""

    kind = forms.ChoiceField(label="Tipo", choices=DocumentKind.choices)
    title = forms.CharField(label="Título", max_length=200)
    file = _FileField()

    def uploaded(self) -> UploadedFile:
        """The uploaded file (after ``is_valid``)."""
        upload: UploadedFile = self.cleaned_data["file"]
        return upload


class VersionUploadForm(forms.Form):
    """A new version of an existing document."""

    file = _FileField()

    def uploaded(self) -> UploadedFile:
        """The uploaded file (after ``is_valid``)."""
        upload: UploadedFile = self.cleaned_data["file"]
        return upload
