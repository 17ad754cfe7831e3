"""``manage.py list_locks``: what an operator sees of the locks held right now."""

from __future__ import annotations

import io
import os
import time

import pytest
from django.core.management import call_command

from consorcio.locks import critical_section, held_locks


def _list_locks(*args: str) -> str:
    out = io.StringIO()
    call_command("list_locks", *args, stdout=out)
    return out.getvalue()


def test_list_locks_shows_a_held_lock_with_its_age_ttl_and_fencing_token(lock_key):
    with critical_section(lock_key, ttl=30.0) as lease:
        time.sleep(0.3)
        output = _list_locks("--prefix", lock_key)

    header, row, total = output.splitlines()
    assert header.split()[:2] == ["Chave", "Idade"]
    key, age, ttl, fencing_token, holder = row.split()
    assert key == lock_key
    assert 0.2 <= float(age.replace(",", ".")) < 5
    assert 25 < float(ttl.replace(",", ".")) <= 30
    assert int(fencing_token) == lease.fencing_token
    assert holder.endswith(f":{os.getpid()}")
    assert total == "1 bloqueio(s) ativo(s)."


def test_list_locks_says_so_when_no_lock_is_held(lock_key):
    with critical_section(lock_key, ttl=5.0):
        pass  # leaves only its fencing counter behind, which is not a held lock
    assert _list_locks("--prefix", lock_key) == "Nenhum bloqueio ativo.\n"


@pytest.mark.parametrize("prefix", ["", "locktest:"])
def test_fencing_counters_are_never_listed_as_locks(lock_key, prefix):
    with critical_section(lock_key, ttl=5.0):
        listed = held_locks(prefix=prefix)
    assert lock_key in [lock.key for lock in listed]
    assert not [lock for lock in listed if lock.key.startswith("fence:")]
