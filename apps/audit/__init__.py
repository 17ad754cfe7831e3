"""The audit trail, tamper-evident event log, personal-data access log and LGPD
data-subject requests. Presents what the kernel records; nobody imports it.
"""
