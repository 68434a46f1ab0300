"""``/calendar``: a week of scheduled and published targets, in each client's timezone."""

from __future__ import annotations

import datetime as dt

from flask import render_template, request

from smmflow import db as database
from smmflow.auth.permissions import requires
from smmflow.web import access, queries
from smmflow.web.blueprint import blp, me
from smmflow.web.display import week_start


@blp.route("/calendar")
@requires(access.CALENDAR)
def calendar() -> str:
    """``?week=YYYY-MM-DD`` (any day of the week); every client's week runs Monday to Sunday
    on its own wall clock."""
    today = dt.datetime.now(dt.UTC).date()
    monday = week_start(request.args.get("week"), today)
    entries = queries.week_entries(database.session(), me(), monday)
    days = []
    for offset in range(7):
        day = monday + dt.timedelta(days=offset)
        days.append({"date": day, "today": day == today,
                     "entries": [e for e in entries if e.local.date() == day]})
    return render_template("web/calendar.html", days=days, monday=monday,
                           sunday=monday + dt.timedelta(days=6),
                           previous=monday - dt.timedelta(days=7), following=monday + dt.timedelta(days=7),
                           count=len(entries))
