"""Kernel tables. Each module holds the rows of one mechanism."""

from consorcio.models.access_log import PersonalDataAccess
from consorcio.models.fencing import LockFence
from consorcio.models.idempotency import IdempotencyRecord
from consorcio.models.jobs import Job, JobChunk, JobMessage
from consorcio.models.outbox import OutboxDelivery, OutboxEvent

__all__ = [
    "IdempotencyRecord",
    "Job",
    "JobChunk",
    "JobMessage",
    "LockFence",
    "OutboxDelivery",
    "OutboxEvent",
    "PersonalDataAccess",
]
