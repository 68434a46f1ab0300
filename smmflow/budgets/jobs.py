"""Periodic budget check: alert when a client's monthly spend crosses a threshold."""

from __future__ import annotations

import zoneinfo

from sqlalchemy import select

from smmflow import db as database
from smmflow.budgets import services
from smmflow.clients.models import Client
from smmflow.db import utcnow
from smmflow.jobs.periodic import PeriodicJob

PERIODIC = [PeriodicJob(name="budgets.alerts", func="smmflow.budgets.jobs.check_budgets",
                        every_seconds=3600, queue="default")]



def check_budgets() -> int:
    db = database.session()
    db.info["remote_addr"] = "job:budgets"
    fired = 0
    for client in db.scalars(select(Client).where(Client.monthly_budget_minor > 0)):
        today = utcnow().astimezone(zoneinfo.ZoneInfo(client.timezone)).date()
        fired += len(services.check_thresholds(db, client, today))
    db.commit()
    return fired
