"""Rendering report figures: HTML (Jinja2, inline SVG charts from pygal) and CSV.

Both renderings read the same ``data`` dict, so the CSV holds exactly the
figures the HTML shows.
"""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import pygal
from flask import render_template
from pygal.style import Style

from smmflow.money import format_money, to_major

STYLE = Style(background="transparent", plot_background="transparent", font_family="sans-serif",
              colors=("#3b6fd6", "#e07b39", "#3aa776", "#b04fb8", "#c9a227", "#5a6270"))
KPI_LABELS = {
    "posts": "Posts published", "reach": "Reach", "engagement": "Engagement",
    "er_by_reach": "ER by reach", "er_by_followers": "ER by followers",
    "follower_growth": "Follower growth", "spend_minor": "Spend",
    "revenue_minor": "Revenue", "cost_per_engagement_minor": "Cost per engagement",
    "roi": "ROI",
}
MONEY_KPIS = {"spend_minor", "revenue_minor", "cost_per_engagement_minor"}
RATE_KPIS = {"er_by_reach", "er_by_followers", "roi"}


def spend_subject(row: dict[str, Any], currency: str) -> str:
    """A spend row's name: its kind, and its currency when not the client's (kept apart)."""
    return row["kind"] if row["currency"] == currency else f"{row['kind']} ({row['currency']})"


def contractor_subject(row: dict[str, Any], currency: str) -> str:
    """A contractor row's name: one row per contractor and fee currency."""
    return row["name"] if row["currency"] == currency else f"{row['name']} ({row['currency']})"


def fmt(key: str, value: Any, currency: str = "") -> str:
    """How a figure is written in both renderings; amounts with ``currency``'s decimals."""
    if value is None:
        return "n/a"
    if key in MONEY_KPIS or key.endswith("_minor"):
        return format_money(value, currency)
    if key in RATE_KPIS or key.startswith("er_") or key.endswith("_rate"):
        return f"{value * 100:.2f}%"
    if isinstance(value, float):
        return f"{value:,.2f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


SCRIPT = re.compile(r"<script\b.*?</script>", re.DOTALL | re.IGNORECASE)


def _svg(chart: Any) -> str:
    """The chart as inline SVG; pygal's inline config script is dropped (reports are static
    documents, mailed and viewed under strict content policies)."""
    return SCRIPT.sub("", chart.render(is_unicode=True))


def _chart(kind: type[Any], title: str) -> Any:
    return kind(style=STYLE, js=(), height=300, width=700, title=title, legend_at_bottom=True,
                disable_xml_declaration=True, print_values=False, show_y_guides=True)


def charts(data: dict[str, Any]) -> dict[str, str]:
    out: dict[str, str] = {}
    if data["platforms"]:
        bar = _chart(pygal.Bar, "Reach and engagement by network")
        bar.x_labels = [p["platform"] for p in data["platforms"]]
        bar.add("Reach", [p["reach"] for p in data["platforms"]])
        bar.add("Engagement", [p["engagement"] for p in data["platforms"]])
        out["platforms"] = _svg(bar)
    if data["spend"]:
        pie = _chart(pygal.Pie, "Spend by kind")
        for row in data["spend"]:
            if row["currency"] == data["client"]["currency"]:  # one currency per chart
                pie.add(row["kind"], float(to_major(row["amount_minor"], row["currency"])))
        out["spend"] = _svg(pie)
    own = [f for f in data["followers"] if f["start"] is not None]
    if own:
        bar = _chart(pygal.Bar, "Followers at the start and end of the period")
        bar.x_labels = [f"{f['platform']} {f['handle']}" for f in own]
        bar.add("Start", [f["start"] for f in own])
        bar.add("End", [f["end"] for f in own])
        out["followers"] = _svg(bar)
    return out


def kpi_rows(data: dict[str, Any]) -> list[dict[str, Any]]:
    """KPIs with their campaign targets where a campaign of the period sets one."""
    targets: dict[str, Any] = {}
    for campaign in data["campaigns"]:
        if campaign["target_reach"] is not None:
            targets["reach"] = campaign["target_reach"]
        if campaign["target_er_bp"] is not None:
            targets["er_by_reach"] = campaign["target_er_bp"] / 10_000
        if campaign["target_follower_growth"] is not None:
            targets["follower_growth"] = campaign["target_follower_growth"]
        if campaign["budget_minor"] is not None:
            targets["spend_minor"] = campaign["budget_minor"]
    rows = []
    for key, label in KPI_LABELS.items():
        value = data["kpis"].get(key)
        target = targets.get(key)
        met = None
        if target is not None and value is not None:
            met = value <= target if key == "spend_minor" else value >= target
        rows.append({"key": key, "label": label, "value": value, "target": target, "met": met})
    return rows


def to_html(data: dict[str, Any], sections: list[dict[str, str]] | None = None) -> str:
    currency = data["client"]["currency"]
    return render_template("reports/report.html", data=data, kpis=kpi_rows(data),
                           charts=charts(data), sections=sections or [],
                           fmt=lambda k, v, c=None: fmt(k, v, c or currency),
                           spend_subject=spend_subject, contractor_subject=contractor_subject)


def to_csv(data: dict[str, Any]) -> str:
    """section, subject, metric, value — the same formatted figures as the HTML."""
    currency = data["client"]["currency"]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["section", "subject", "metric", "value"])
    for row in kpi_rows(data):
        writer.writerow(["kpi", "total", row["key"], fmt(row["key"], row["value"], currency)])
        if row["target"] is not None:
            writer.writerow(["kpi_target", "total", row["key"],
                             fmt(row["key"], row["target"], currency)])
    for p in data["platforms"]:
        for key in ("posts", "reach", "impressions", "views", "likes", "comments", "shares",
                    "saves", "clicks", "engagement", "er_by_reach"):
            writer.writerow(["platform", p["platform"], key, fmt(key, p.get(key), currency)])
    for p in data["posts"]:
        subject = f"{p['platform']}:{p['target_id']}"
        for key in ("reach", "views", "likes", "comments", "shares", "saves", "engagement",
                    "er_by_reach", "er_by_followers"):
            writer.writerow(["post", subject, key, fmt(key, p.get(key), currency)])
    for f in data["followers"]:
        subject = f"{f['platform']}:{f['handle']}"
        for key in ("start", "end", "growth"):
            writer.writerow(["followers", subject, key, fmt(key, f[key], currency)])
    for s in data["spend"]:
        writer.writerow(["spend", spend_subject(s, currency), "amount_minor",
                         fmt("amount_minor", s["amount_minor"], s["currency"])])
    for c in data["contractors"]:
        for key in ("done", "on_time_rate", "avg_revision_rounds", "fees_minor"):
            writer.writerow(["contractor", contractor_subject(c, currency), key,
                             fmt(key, c[key], c["currency"])])
    return out.getvalue()
