"""Scheduled reports are generated once per period and mailed with the CSV attached."""

from __future__ import annotations

from sqlalchemy import select

from smmflow.reports.models import Report, ReportSchedule
from tests.notifications.conftest import mailbox  # noqa: F401  (the local SMTP server)


def test_monthly_schedule_generates_once_and_mails(make_app, run_jobs, mailbox):  # noqa: F811
    app = make_app(plugins=[], smtp_url=mailbox.url)
    from smmflow.db import open_session
    from smmflow.jobs.queues import enqueue
    from smmflow.testing.client import ApiClient
    from smmflow.testing.factories import Factory

    with open_session(app) as db:
        factory = Factory(app, db)
        api = ApiClient(app, factory)
        client = factory.client(name="Acme")
        manager = factory.member(client, "manager")
        resp = api.put(f"/clients/{client.id}/report-schedules", as_=manager,
                       json={"period": "month", "recipients": ["brand@acme.test"]})
        assert resp.status_code == 200, resp.json
        for _ in range(2):
            enqueue(app, "smmflow.reports.jobs.run_schedules")
            run_jobs(app)
        reports = list(db.scalars(select(Report)))
        assert len(reports) == 1 and reports[0].period == "month"
        assert db.scalar(select(ReportSchedule)).last_period_start == reports[0].starts_on
        messages = mailbox.to("brand@acme.test")
        assert len(messages) == 1
        names = [part.get_filename() for part in messages[0].iter_attachments()]
        assert names == [f"report-{reports[0].id}.csv"]
