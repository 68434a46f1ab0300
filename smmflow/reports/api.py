"""``/api/v1`` reports of a client: generate, list, fetch, download; schedules."""

from __future__ import annotations

from typing import Any

from flask import Response
from sqlalchemy import select

from smmflow import db as database
from smmflow.api import Blueprint
from smmflow.api.pagination import PageArgs, page_of, paginate
from smmflow.auth.guard import current_user
from smmflow.auth.permissions import client_role, requires, via_model
from smmflow.clients.services import get_client
from smmflow.reports import services
from smmflow.reports.models import Report, ReportSchedule
from smmflow.reports.schemas import (
    ReportRequestSchema,
    ReportScheduleSchema,
    ReportSchema,
    ReportSummarySchema,
)

blp = Blueprint("reports", __name__, description="Client reports and their schedules")

READERS = client_role("manager", "client")
READ_ONE = client_role("manager", "client", resolver=via_model(Report, "report_id"))
MANAGERS = client_role("manager")


@blp.route("/clients/<int:client_id>/reports", methods=["POST"])
@requires(MANAGERS)
@blp.arguments(ReportRequestSchema)
@blp.response(201, ReportSchema)
def create_report(data: dict[str, Any], client_id: int) -> Report:
    """Generate a report: last complete week, last complete month, or a custom range."""
    db = database.session()
    client = get_client(db, client_id)
    start, end = services.period_bounds(data["period"], today=services.client_today(client),
                                        start=data.get("starts_on"), end=data.get("ends_on"))
    user = current_user()
    report = services.generate(db, client, data["period"], start, end,
                               created_by_id=user.id if user else None)
    db.commit()
    return report


@blp.route("/clients/<int:client_id>/reports", methods=["GET"])
@requires(READERS)
@blp.arguments(PageArgs, location="query")
@blp.response(200, page_of(ReportSummarySchema))
def list_reports(args: dict[str, Any], client_id: int) -> dict[str, Any]:
    """The client's reports."""
    stmt = select(Report).where(Report.client_id == client_id)
    return paginate(database.session(), stmt, Report.id, args)


@blp.route("/reports/<int:report_id>", methods=["GET"])
@requires(READ_ONE)
@blp.response(200, ReportSchema)
def get_report(report_id: int) -> Report:
    """One report with every figure."""
    return services.get_report(database.session(), report_id)


@blp.route("/reports/<int:report_id>/html", methods=["GET"])
@requires(READ_ONE)
@blp.response(200, description="The report as an HTML page with inline SVG charts.")
def report_html(report_id: int) -> Response:
    """The rendered report."""
    report = services.get_report(database.session(), report_id)
    return Response(report.html, mimetype="text/html")


@blp.route("/reports/<int:report_id>/csv", methods=["GET"])
@requires(READ_ONE)
@blp.response(200, description="The report's figures as CSV.")
def report_csv(report_id: int) -> Response:
    """The same figures as CSV."""
    report = services.get_report(database.session(), report_id)
    return Response(report.csv, mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="report-{report.id}.csv"'})


@blp.route("/clients/<int:client_id>/report-schedules", methods=["GET"])
@requires(MANAGERS)
@blp.response(200, ReportScheduleSchema(many=True))
def list_schedules(client_id: int) -> list[ReportSchedule]:
    """Weekly and monthly report schedules of the client."""
    return list(database.session().scalars(
        select(ReportSchedule).where(ReportSchedule.client_id == client_id)))


@blp.route("/clients/<int:client_id>/report-schedules", methods=["PUT"])
@requires(MANAGERS)
@blp.arguments(ReportScheduleSchema)
@blp.response(200, ReportScheduleSchema)
def put_schedule(data: dict[str, Any], client_id: int) -> ReportSchedule:
    """Create or replace the weekly or monthly schedule (recipients get the report by e-mail)."""
    db = database.session()
    get_client(db, client_id)
    schedule = db.scalar(select(ReportSchedule).where(
        ReportSchedule.client_id == client_id, ReportSchedule.period == data["period"]))
    if schedule is None:
        schedule = ReportSchedule(client_id=client_id, period=data["period"])
        db.add(schedule)
    schedule.recipients = data["recipients"]
    schedule.enabled = data["enabled"]
    db.commit()
    return schedule
