"""Long seeded fault and race campaigns over the kernel mechanisms (`make stress`, never CI).

Each campaign reads ``STRESS_SEED`` (default ``DEFAULT_SEED`` in ``conftest``) and
``STRESS_SECONDS`` (default 60), prints its seed first and its counts last as ``name value``
lines, then asserts its invariants. The seed fixes every random choice a campaign makes (the
workload, the faults and when they strike); the interleaving of real processes and threads is
the operating system's, so a replay repeats the campaign, not the exact schedule.
"""
