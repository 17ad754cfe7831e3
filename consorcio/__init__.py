"""The shared kernel: mechanisms every context uses, and no business rules.

Public face: ``money`` (Decimal helpers, exact splits, fractions of the credit), ``locks``
(Redis critical sections with fencing tokens), ``outbox`` (domain events delivered after
commit), ``idempotency`` (Idempotency-Key for API POSTs), ``errors`` (DomainError and
problem+json), ``resilience`` (timeouts, retries, shared circuit breakers for adapters),
``jobs`` (long-running work and its progress), ``access_log`` (personal-data access log),
``audit`` (batch audit entries) and ``observability`` (request id, health, metrics).
The kernel imports nothing from ``apps``.
"""
