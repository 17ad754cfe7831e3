"""Why an upload or a download was refused: stable problem codes, Portuguese messages."""

from __future__ import annotations

from typing import ClassVar

from consorcio.errors import DomainError


class DocumentRejected(DomainError):
    """An upload was refused; nothing was stored. ``code`` says why, ``detail`` in Portuguese."""

    code: ClassVar[str] = "document_rejected"
    status: ClassVar[int] = 422
    title: ClassVar[str] = "Arquivo recusado"
    default_detail: ClassVar[str] = "O arquivo não pôde ser armazenado."

    @property
    def message_pt(self) -> str:
        """The Portuguese explanation staff read (the problem's ``detail``)."""
        return self.detail


class DocumentTooLarge(DocumentRejected):
    code = "document_too_large"
    status = 413
    title = "Arquivo grande demais"
    default_detail = "O arquivo excede o tamanho máximo permitido."


class DocumentEmpty(DocumentRejected):
    code = "document_empty"
    title = "Arquivo vazio"
    default_detail = "O arquivo enviado está vazio."


class DocumentTypeNotAllowed(DocumentRejected):
    code = "document_type_not_allowed"
    status = 415
    title = "Tipo de arquivo não permitido"
    default_detail = "Envie um arquivo PDF, PNG, JPEG, WEBP ou TIFF."


class DocumentTypeMismatch(DocumentRejected):
    code = "document_type_mismatch"
    title = "Tipo de arquivo divergente"
    default_detail = "O conteúdo do arquivo não corresponde ao tipo ou à extensão informados."


class DocumentIntegrityError(DomainError):
    """The stored bytes no longer match the checksum recorded at upload."""

    code = "document_integrity_error"
    status = 409
    title = "Arquivo corrompido"
    default_detail = (
        "O arquivo armazenado não confere com a soma de verificação registrada no envio; "
        "o download foi bloqueado. Avise o suporte."
    )


class DownloadLinkInvalid(DomainError):
    """A download link was tampered with, or has expired."""

    code = "download_link_invalid"
    status = 403
    title = "Link de download inválido"
    default_detail = "O link de download é inválido ou expirou. Gere um novo link."
