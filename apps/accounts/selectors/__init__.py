"""Reads of the accounts context, one module per topic.

Callers import the topic module: ``from apps.accounts.selectors import authorization``
(who may see and do what), ``channels`` (sales channels and representatives).
"""
