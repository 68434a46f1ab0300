"""Generating, storing and scheduling client reports."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

from flask import Flask, current_app
from sqlalchemy.orm import Session

from smmflow.audit.services import record
from smmflow.clients.models import Client
from smmflow.errors import NotFound, ValidationFailed
from smmflow.reports import data as report_data
from smmflow.reports import render
from smmflow.reports.models import Report

MAX_DAYS = 366


def period_bounds(period: str, *, today: dt.date, start: dt.date | None = None,
                  end: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """The last complete week (Mon-Sun) or month before ``today``, or a custom range."""
    if period == "week":
        monday = today - dt.timedelta(days=today.weekday())
        return monday - dt.timedelta(days=7), monday - dt.timedelta(days=1)
    if period == "month":
        first = today.replace(day=1)
        last_month_end = first - dt.timedelta(days=1)
        return last_month_end.replace(day=1), last_month_end
    if start is None or end is None:
        raise ValidationFailed("A custom report needs starts_on and ends_on.",
                               fields={"starts_on": ["Required for a custom period."]})
    if end < start:
        raise ValidationFailed("ends_on is before starts_on.",
                               fields={"ends_on": ["Before starts_on."]})
    if (end - start).days > MAX_DAYS:
        raise ValidationFailed(f"A report covers at most {MAX_DAYS} days.",
                               fields={"ends_on": [f"At most {MAX_DAYS} days after starts_on."]})
    return start, end


def client_today(client: Client) -> dt.date:
    return dt.datetime.now(zoneinfo.ZoneInfo(client.timezone)).date()


def plugin_sections(app: Flask, data: dict[str, Any], client_id: int) -> list[dict[str, str]]:
    """Extra sections from ``register_report_sections`` plugins (a broken one is skipped)."""
    import logging

    from smmflow.plugins import collect

    out = []
    for section in collect(app, "register_report_sections"):
        try:
            out.append({"title": str(section.title),
                        "html": str(section.render(data=data, client_id=client_id))})
        except Exception:  # a plugin never breaks a report
            logging.getLogger("smmflow.reports").exception(
                "report section %r failed", getattr(section, "name", section))
    return out


def generate(db: Session, client: Client, period: str, start: dt.date, end: dt.date,
             created_by_id: int | None = None) -> Report:
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    figures = report_data.build(db, client, start, end)
    html = render.to_html(figures, plugin_sections(app, figures, client.id))
    report = Report(client_id=client.id, period=period, starts_on=start, ends_on=end,
                    data=_jsonable(figures), html=html, csv=render.to_csv(figures),
                    created_by_id=created_by_id)
    db.add(report)
    db.flush()
    record(db, "report.generate", report, period=period, starts_on=start.isoformat(),
           ends_on=end.isoformat())
    return report


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return value


def get_report(db: Session, report_id: int) -> Report:
    report = db.get(Report, report_id)
    if report is None:
        raise NotFound(f"No report {report_id}.")
    return report
