"""Reusable test infrastructure (servers standing in for third parties, shared fixtures)."""
