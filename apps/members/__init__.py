"""Consorciados: natural persons (CPF) and legal entities (CNPJ), addresses, contacts and
LGPD consent. Their quotas are read through ``groups``. No models until the members issue.
"""
