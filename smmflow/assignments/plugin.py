"""The assignments domain as a core default plugin: its periodic reminder job."""

from __future__ import annotations

from typing import Any

from smmflow import hookimpl

REMINDERS_JOB = "smmflow.assignments.jobs.send_reminders"


@hookimpl
def register_periodic_jobs() -> list[Any]:
    """Reminders before the due date and when overdue, every 15 minutes on ``default``."""
    from smmflow.assignments.jobs import REMINDER_INTERVAL_SECONDS
    from smmflow.jobs.periodic import PeriodicJob

    return [PeriodicJob(name="assignments.reminders", func=REMINDERS_JOB,
                        every_seconds=REMINDER_INTERVAL_SECONDS, queue="default")]
