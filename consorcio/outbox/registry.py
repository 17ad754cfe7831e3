"""Who listens to which domain event: the subscriber registry filled by each app's handlers.py.

A context reacts to another's events in its ``handlers.py``::

    from consorcio.outbox import StoredEvent, subscribe

    @subscribe("groups.quota.sold")          # or @subscribe(QuotaSold)
    def send_welcome_letter(event: StoredEvent) -> None:
        ...

The kernel's ``AppConfig.ready`` imports the ``handlers`` module of every installed app
(``autodiscover_handlers``), so web and worker processes know the same subscribers: an app
needs no code of its own for that. A subscriber's stable name (default ``module.qualname``) is
stored on each delivery row: renaming or moving a handler function orphans its pending
deliveries (they fail as "not registered" and end as dead letters an operator can see), so
pass ``name=`` to keep the old name when moving one.

Handlers run inside the delivery's transaction, at least once and in effect exactly once: the
delivery row is marked delivered in the same transaction as the handler's writes. A handler
that also does something outside the database (an email, a webhook) should key it by
``event.id`` so a retry after a crash never repeats it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import autodiscover_modules

from consorcio.outbox.events import DomainEvent, StoredEvent

Handler = Callable[[StoredEvent], None]
H = TypeVar("H", bound=Handler)


@dataclass(frozen=True)
class Subscriber:
    """One handler registered for one event type under a stable name."""

    event_type: str
    name: str
    handler: Handler


_subscribers: dict[str, dict[str, Subscriber]] = {}


def _qualified_name(handler: Handler) -> str:
    return f"{handler.__module__}.{getattr(handler, '__qualname__', repr(handler))}"


def _event_type_of(event_type: str | type[DomainEvent]) -> str:
    if isinstance(event_type, str):
        return event_type
    declared = getattr(event_type, "type", None)
    if not isinstance(declared, str):
        raise ImproperlyConfigured(f"{event_type.__qualname__} declares no event type")
    return declared


def subscribe(event_type: str | type[DomainEvent], name: str | None = None) -> Callable[[H], H]:
    """Register the decorated function as a subscriber of ``event_type``.

    ``name`` defaults to ``module.qualname``. Registering the same function again (a module
    imported twice) is harmless; two different functions under one name are refused.
    """
    type_name = _event_type_of(event_type)

    def decorator(handler: H) -> H:
        register_subscriber(type_name, handler, name=name)
        return handler

    return decorator


def register_subscriber(event_type: str, handler: Handler, *, name: str | None = None) -> None:
    """Register ``handler`` for ``event_type`` (the function form of ``subscribe``)."""
    subscriber_name = name or _qualified_name(handler)
    by_name = _subscribers.setdefault(event_type, {})
    existing = by_name.get(subscriber_name)
    if existing is not None and _qualified_name(existing.handler) != _qualified_name(handler):
        raise ImproperlyConfigured(
            f"subscriber name {subscriber_name!r} of {event_type!r} is already taken by "
            f"{_qualified_name(existing.handler)}"
        )
    by_name[subscriber_name] = Subscriber(event_type, subscriber_name, handler)


def subscribers_for(event_type: str) -> list[Subscriber]:
    """The subscribers of ``event_type``, in name order (the order deliveries are created)."""
    return sorted(_subscribers.get(event_type, {}).values(), key=lambda s: s.name)


def find_subscriber(event_type: str, name: str) -> Subscriber | None:
    """The subscriber named ``name`` for ``event_type`` in this process, if registered."""
    return _subscribers.get(event_type, {}).get(name)


def autodiscover_handlers() -> None:
    """Import the ``handlers`` module of every installed app (called from the kernel's ready)."""
    autodiscover_modules("handlers")
