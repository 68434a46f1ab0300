"""``/reports``: the reports of your clients, with their HTML and CSV.

The API's download routes take Bearer tokens only (``/api/`` ignores the
session cookie), so the stored HTML and CSV are served here, with the same rule.
"""

from __future__ import annotations

from flask import Response, render_template, request

from smmflow import db as database
from smmflow.auth.permissions import requires
from smmflow.reports import services
from smmflow.reports.models import Report
from smmflow.web import access, queries
from smmflow.web.blueprint import blp, me

# the stored HTML is served from our origin, next to the session: no scripts, no forms
REPORT_HEADERS = {"Content-Security-Policy": "sandbox", "X-Content-Type-Options": "nosniff"}


@blp.route("/reports")
@requires(access.REPORTS)
def reports() -> str:
    """Newest first."""
    db = database.session()
    found = queries.page(db, queries.visible_reports(db, me()), Report.id,
                         request.args.get("before", type=int))
    clients = queries.clients_by_id(db, (r.client_id for r in found.rows))
    return render_template("web/reports.html", page=found, clients=clients)


@blp.route("/reports/<int:report_id>/html")
@requires(access.REPORT_READ)
def report_html(report_id: int) -> Response:
    report = services.get_report(database.session(), report_id)
    return Response(report.html, mimetype="text/html", headers=REPORT_HEADERS)


@blp.route("/reports/<int:report_id>/csv")
@requires(access.REPORT_READ)
def report_csv(report_id: int) -> Response:
    report = services.get_report(database.session(), report_id)
    return Response(report.csv, mimetype="text/csv", headers={
        **REPORT_HEADERS,
        "Content-Disposition": f'attachment; filename="report-{report.id}.csv"'})
