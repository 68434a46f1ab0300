"""Periodic jobs of publishing (collected by :mod:`smmflow.jobs.periodic`)."""

from __future__ import annotations

from smmflow.jobs.periodic import PeriodicJob

PERIODIC = [
    PeriodicJob(name="publishing.recover_stale_claims",
                func="smmflow.jobs.recovery.recover_stale_claims", every_seconds=5,
                queue="publish"),
]
