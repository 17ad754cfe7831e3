"""Reactions of the draws context to other contexts' domain events (via the outbox).

- ``finance.bid.paid``: the winning bid's charge was paid; its award is confirmed (credit
  posted, quota version awarded). Idempotent: a confirmed or lapsed award is left as it is.
"""

from __future__ import annotations

import datetime as dt

from apps.draws.services import awards
from apps.finance.events import BidPaid
from consorcio.outbox import StoredEvent, subscribe


@subscribe(BidPaid, name="draws.confirm_bid_award")
def confirm_bid_award(event: StoredEvent) -> None:
    """``finance.bid.paid``: confirm the award of the paid bid."""
    payload = event.payload
    paid_on = payload.get("paid_on")
    awards.confirm_bid_award(
        bid_ref=str(payload["bid_ref"]),
        charge_id=int(payload["charge_id"]) if payload.get("charge_id") is not None else None,
        paid_on=dt.date.fromisoformat(str(paid_on)) if paid_on else None,
    )
