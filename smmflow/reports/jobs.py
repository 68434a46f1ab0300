"""Scheduled reports: generate the last complete week or month and e-mail it."""

from __future__ import annotations

import logging

from flask import current_app
from sqlalchemy import select

from smmflow import db as database
from smmflow.clients.models import Client
from smmflow.jobs.periodic import PeriodicJob
from smmflow.reports import services
from smmflow.reports.models import Report, ReportSchedule

PERIODIC = [PeriodicJob(name="reports.scheduled", func="smmflow.reports.jobs.run_schedules",
                        every_seconds=3600, queue="default")]

log = logging.getLogger("smmflow.reports")


def run_schedules() -> int:
    """Periodic: for each enabled schedule whose next period is complete, generate and mail."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    db = database.session()
    db.info["remote_addr"] = "job:reports"
    made = 0
    for schedule in db.scalars(select(ReportSchedule).where(ReportSchedule.enabled.is_(True))):
        client = db.get(Client, schedule.client_id)
        if client is None:
            continue
        start, end = services.period_bounds(schedule.period, today=services.client_today(client))
        if schedule.last_period_start is not None and schedule.last_period_start >= start:
            continue
        report = services.generate(db, client, schedule.period, start, end)
        schedule.last_period_start = start
        db.commit()
        made += 1
        _mail(app, schedule.recipients, client, report)
    return made


def _mail(app: object, recipients: list[str], client: Client, report: Report) -> None:
    if not recipients:
        return
    from smmflow.notifications import mail

    settings = app.extensions["smmflow"].settings  # type: ignore[attr-defined]
    subject = f"{client.name}: report {report.starts_on} – {report.ends_on}"
    mail.send(settings, mail.build_message(
        settings, ", ".join(recipients), subject,
        "The report is attached as CSV; open the HTML part for the charts.",
        html=report.html, attachments=[(f"report-{report.id}.csv", "text/csv",
                                         report.csv.encode())]))
