"""Helpers shared by the UI and browser tests."""

from __future__ import annotations

from tests.support.migration_data import restore_migration_data


def ensure_roles() -> None:
    """Recreate the role groups and every later grant if a transactional test flushed them."""
    restore_migration_data()
