"""Bounded contexts, one package each (ARCHITECTURE.md §2)."""
