"""Writes of the accounts context, one module per topic.

Callers import the topic module: ``from apps.accounts.services import demo``.
"""
