"""Reading imported bank return files and their line-by-line results."""

from __future__ import annotations

from django.db.models import QuerySet

from apps.finance.models import BankFile, BankFileLine


def bank_files() -> QuerySet[BankFile]:
    """Every received file, newest first (without its content)."""
    return (
        BankFile.objects.defer("content")
        .select_related("uploaded_by")
        .order_by("-created_at", "-id")
    )


def file_lines(bank_file: BankFile, *, outcome: str | None = None) -> QuerySet[BankFileLine]:
    """The file's result lines in line order, optionally of one outcome."""
    lines = BankFileLine.objects.filter(bank_file=bank_file).order_by("line_number")
    if outcome:
        lines = lines.filter(outcome=outcome)
    return lines
