"""Two uploads of the same document at once: both become versions, numbered in turn."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from apps.documents import selectors
from apps.documents.models import Document
from apps.documents.services import storage
from tests.documents.conftest import PDF, PNG


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_simultaneous_new_versions_are_serialised_and_none_is_lost(staff_user):
    user = staff_user()
    first = storage.store_version(
        actor=user, kind="identity", title="RG", filename="rg.pdf", content=PDF
    )
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def upload(content: bytes, name: str) -> None:
        try:
            start.wait(timeout=10)
            storage.store_version(
                actor=user,
                kind="identity",
                title="RG",
                filename=name,
                content=content,
                document=first.document,
            )
        except BaseException as error:  # reported by the assertion below
            errors.append(error)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=upload, args=(PDF, "rg-frente.pdf")),
        threading.Thread(target=upload, args=(PNG, "rg-verso.png")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    numbers = [v.number for v in selectors.versions_of(first.document)]
    assert numbers == [3, 2, 1]
    assert Document.objects.get(pk=first.document_id).version_count == 3
    names = {v.original_filename for v in selectors.versions_of(first.document)}
    assert names == {"rg.pdf", "rg-frente.pdf", "rg-verso.png"}
