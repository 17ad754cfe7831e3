"""Consorciados: natural persons (CPF) and legal entities (CNPJ), addresses, contacts and
LGPD consent. Their quotas are read through ``groups`` (members never reads quotas).

Public face: ``services`` (register_member, update_member, add_address, set_primary_address,
give_consent, revoke_consent, open_member_record and their errors), ``selectors``
(search_members, visible_members, member_record, masking) and ``events`` (MemberRegistered,
MemberUpdated).
"""
