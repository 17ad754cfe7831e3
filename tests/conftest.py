"""Shared test configuration: Hypothesis profiles and fixtures every context uses."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

# `ci`: few examples and no deadline (2 shared cores); `dev`: the default; `stress`: long runs.
settings.register_profile(
    "ci", max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("dev", max_examples=100, deadline=None)
settings.register_profile("stress", max_examples=5000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))


def pytest_collection_modifyitems(config, items):
    """Stress campaigns run only under `make stress` (STRESS=1), never in `make test` or CI."""
    if os.environ.get("STRESS") == "1":
        return
    import pytest

    skip = pytest.mark.skip(reason="stress campaign: run with `make stress`")
    for item in items:
        if "stress" in item.keywords:
            item.add_marker(skip)
