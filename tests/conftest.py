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
