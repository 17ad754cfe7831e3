"""The one place where the documents context renders Django templates (for PDFs).

Kept out of ``services`` (domain modules never import ``django.template``, ARCHITECTURE.md
§3): `services.pdf` asks this adapter for the HTML and turns it into a PDF.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.template.loader import render_to_string


def render_html(template_name: str, context: Mapping[str, Any]) -> str:
    """The template rendered with ``context`` (no request: PDFs are not pages)."""
    return render_to_string(template_name, dict(context))
