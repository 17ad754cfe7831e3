"""Fixtures of the resilience tests: unique breaker names and a fake clock.

The replay server fixture is a plugin registered in tests/conftest.py.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from consorcio.resilience import default_redis_client
from tests.kernel.resilience.fakes import FakeClock


@pytest.fixture
def service_name() -> Iterator[str]:
    """A service (and breaker) name no other test or xdist worker uses; its key is removed."""
    name = f"test-{uuid.uuid4().hex[:12]}"
    yield name
    default_redis_client().delete(f"cb:{name}:state")


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()
