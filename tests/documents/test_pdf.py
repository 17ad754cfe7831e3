"""PDF rendering: a Django template extending the base becomes an A4 PDF in Portuguese."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.conf import settings
from django.test import override_settings
from pypdf import PdfReader

from apps.documents.services.pdf import render_pdf

HERE = Path(__file__).parent


@pytest.fixture
def test_templates():
    templates = [dict(engine) for engine in settings.TEMPLATES]
    templates[0]["DIRS"] = [*templates[0]["DIRS"], HERE / "templates"]
    with override_settings(TEMPLATES=templates):
        yield


def test_a_template_renders_to_a_pdf_with_its_portuguese_text_and_page_numbers(test_templates):
    context = {
        "group_code": "IMB-042",
        "member_name": "João da Conceição Araújo",
        "credit": "R$ 250.000,00",
        "clauses": ["Das obrigações do consorciado e da administradora. " * 40] * 6,
    }

    pdf = render_pdf("documents_test/sample.html", context)

    assert pdf.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(pdf))
    pages = len(reader.pages)
    assert pages >= 2
    first = reader.pages[0]
    assert round(float(first.mediabox.width)) == 595  # A4 in points
    assert round(float(first.mediabox.height)) == 842
    text = first.extract_text()
    assert "Contrato de participação em grupo de consórcio" in text
    assert "João da Conceição Araújo" in text
    assert "R$ 250.000,00" in text
    assert "Grupo IMB-042" in text
    assert f"Página 1 de {pages}" in text
    assert f"Página {pages} de {pages}" in reader.pages[-1].extract_text()


def test_only_static_files_are_fetched_never_the_network():
    from apps.documents.services import pdf as pdf_service

    content, content_type = pdf_service._fetch("file:///static/img/favicon.svg")

    assert content.lstrip().startswith(b"<")
    assert content_type == "image/svg+xml"
    with pytest.raises(ValueError, match="not available offline"):
        pdf_service._fetch("https://example.com/logo.png")
    with pytest.raises(ValueError, match="not available offline"):
        pdf_service._fetch("file:///etc/passwd")
    with pytest.raises(ValueError, match="not found"):
        pdf_service._fetch("file:///static/../../etc/passwd")
