"""Metrics from the four fakes, and the monthly report built on them, end to end.

Issue 6's acceptance: metrics collected from the fakes; a monthly report renders; the CSV holds
the same figures as the HTML. One post per network goes out through the core pipeline; the
fakes then hold the numbers (VK wall counters and post reach, Instagram media insights, YouTube
video statistics, members/followers/subscribers of every account, Telegram's member count only)
and ``smmflow.metrics.jobs`` collects them with an in-process RQ worker.

The report covers last month (the ``month`` period): the publication and the first two
collections are moved into that month (a controlled clock, by back-dating rows), a third
collection stays in this month and must not count.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable
from html.parser import HTMLParser
from typing import Any

import pytest
from e2e_kit import FAST, connect_account, due_target, publish_until_final
from flask import Flask
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from smmflow.accounts.models import SocialAccount
from smmflow.jobs.queues import enqueue
from smmflow.metrics.models import MetricSample
from smmflow.posts.models import PostTarget, TargetStatus
from smmflow.reports.data import utc_bounds
from smmflow.reports.services import client_today, period_bounds

NETWORKS = ("telegram", "vk", "instagram", "youtube")

# What the networks report, collection by collection. Absent metrics are simply missing:
# Instagram gives no ``saved`` here, YouTube hides the comment count and has no reach,
# Telegram bots read no post metrics at all.
FOLLOWERS = [{"telegram": 1500, "vk": 1200, "instagram": 5000, "youtube": 800},
             {"telegram": 1480, "vk": 1260, "instagram": 5150, "youtube": 830},
             {"telegram": 1490, "vk": 1300, "instagram": 5300, "youtube": 900}]
POSTS = [
    {"vk": {"likes": 40, "comments": 5, "shares": 3, "views": 900, "reach": 700},
     "instagram": {"views": 2500, "reach": 1800, "likes": 150, "comments": 12, "shares": 9},
     "youtube": {"views": 3000, "likes": 90}},
    {"vk": {"likes": 55, "comments": 7, "shares": 4, "views": 1300, "reach": 1000},
     "instagram": {"views": 3100, "reach": 2200, "likes": 180, "comments": 15, "shares": 11},
     "youtube": {"views": 4200, "likes": 120}},
    {"vk": {"likes": 90, "comments": 9, "shares": 8, "views": 5000, "reach": 4000},
     "instagram": {"views": 9000, "reach": 7000, "likes": 400, "comments": 30, "shares": 20},
     "youtube": {"views": 9000, "likes": 300}},
]


@pytest.fixture
def e2e_settings() -> dict[str, Any]:
    return FAST | {"metrics_days": 90}  # last month's posts are still measured


# -- the networks -------------------------------------------------------------------------------
def set_numbers(fakes: dict[str, Any], targets: dict[str, PostTarget], n: int) -> None:
    """Make the fakes report collection ``n``'s numbers."""
    followers, posts = FOLLOWERS[n], POSTS[n]
    fakes["telegram"].members = followers["telegram"]
    fakes["vk"].members_count = followers["vk"]
    fakes["instagram"].followers_count = followers["instagram"]
    fakes["youtube"].subscriber_count = followers["youtube"]
    vk = posts["vk"]
    fakes["vk"].set_counters(int(targets["vk"].external_id.rpartition("_")[2]), likes=vk["likes"],
                             comments=vk["comments"], reposts=vk["shares"], views=vk["views"],
                             reach=vk["reach"])
    ig = posts["instagram"]
    fakes["instagram"].insights[targets["instagram"].external_id] = {
        "views": ig["views"], "reach": ig["reach"], "likes": ig["likes"],
        "comments": ig["comments"], "shares": ig["shares"]}  # no "saved": Instagram omitted it
    yt = posts["youtube"]
    fakes["youtube"].set_statistics(targets["youtube"].external_id, views=yt["views"],
                                    likes=yt["likes"], comments=None)  # a hidden count


def publish_one_each(app: Flask, db: Session, run_jobs: Callable[..., bool],
                     accounts: dict[str, SocialAccount], fakes: dict[str, Any]
                     ) -> dict[str, PostTarget]:
    """One approved post per network, published by the dispatcher and publish jobs."""
    targets = {platform: due_target(db, account, fakes[platform].sample_content())
               for platform, account in accounts.items()}
    publish_until_final(app, db, run_jobs, [t.id for t in targets.values()])
    assert all(t.status == TargetStatus.PUBLISHED for t in targets.values()), \
        {p: (t.status, t.last_error) for p, t in targets.items()}
    return targets


def collect(app: Flask, db: Session, run_jobs: Callable[..., bool]) -> list[int]:
    """The periodic collection (``metrics.collect_all`` and its per-account jobs); the ids of
    the samples it stored."""
    before = db.scalar(select(func.coalesce(func.max(MetricSample.id), 0)))
    enqueue(app, "smmflow.metrics.jobs.collect_all", queue="metrics")
    for _ in range(3):
        if not run_jobs(app, ["metrics"]):
            break
    return list(db.scalars(select(MetricSample.id).where(MetricSample.id > before)))


def samples(db: Session, ids: list[int]) -> dict[tuple[int, int | None], dict[str, int]]:
    """``{(account id, target id or None): {metric: value}}`` of the samples ``ids``."""
    out: dict[tuple[int, int | None], dict[str, int]] = {}
    for row in db.scalars(select(MetricSample).where(MetricSample.id.in_(ids))):
        values = out.setdefault((row.social_account_id, row.post_target_id), {})
        assert row.metric not in values, f"two samples of {row.metric} in one collection"
        values[row.metric] = row.value
    return out


def expected_samples(accounts: dict[str, SocialAccount], targets: dict[str, PostTarget],
                     n: int) -> dict[tuple[int, int | None], dict[str, int]]:
    out: dict[tuple[int, int | None], dict[str, int]] = {
        (accounts[p].id, None): {"followers": FOLLOWERS[n][p]} for p in NETWORKS}
    for platform, values in POSTS[n].items():
        out[(accounts[platform].id, targets[platform].id)] = dict(values)
    return out


def move(db: Session, ids: list[int], when: dt.datetime) -> None:
    db.execute(update(MetricSample).where(MetricSample.id.in_(ids)).values(measured_at=when))
    db.commit()


# -- reading the two renderings --------------------------------------------------------------
class Tables(HTMLParser):
    """Every ``<table id=...>`` of a page as rows of ``(tr attributes, cell texts)``."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[tuple[dict[str, str | None], list[str]]]] = {}
        self._table: list[tuple[dict[str, str | None], list[str]]] | None = None
        self._row: list[str] | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self._table = self.tables.setdefault(dict(attrs).get("id") or "", [])
        elif tag == "tr" and self._table is not None:
            self._row = []
            self._table.append((dict(attrs), self._row))
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr":
            self._row = None
        elif tag == "table":
            self._table = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def html_tables(page: str) -> dict[str, list[dict[str, str]]]:
    """Each table as a list of ``{header: cell}``; KPI rows also carry ``key`` (``data-kpi``)."""
    parser = Tables()
    parser.feed(page)
    out = {}
    for table_id, rows in parser.tables.items():
        (_, header), *body = rows
        out[table_id] = [
            (dict(zip(header, cells, strict=True)) if len(cells) == len(header)
             else {"note": " ".join(cells)})  # "Nothing ... in this period." (colspan)
            | ({"key": str(attrs["data-kpi"])} if attrs.get("data-kpi") else {})
            for attrs, cells in body]
    return out


HTML_COLUMNS = {"Posts": "posts", "Reach": "reach", "Views": "views", "Likes": "likes",
                "Comments": "comments", "Shares": "shares", "Saves": "saves",
                "Engagement": "engagement", "ER by reach": "er_by_reach",
                "ER by followers": "er_by_followers", "Start": "start", "End": "end",
                "Growth": "growth"}


def figures(row: dict[str, str]) -> dict[str, str]:
    """The figure cells of an HTML row, keyed like the CSV's metrics."""
    return {HTML_COLUMNS[name]: value for name, value in row.items() if name in HTML_COLUMNS}


def fmt_int(value: int | None) -> str:
    return "n/a" if value is None else f"{value:,}"


def fmt_rate(numerator: int | None, denominator: int | None) -> str:
    return "n/a" if numerator is None or not denominator else f"{numerator / denominator * 100:.2f}%"


# -- the test -------------------------------------------------------------------------------------
def test_metrics_from_the_fakes_and_a_monthly_report_whose_csv_matches_its_html(
        e2e_app, e2e_db, e2e_factory, e2e_api, fakes, run_jobs):
    client = e2e_factory.client(name="Acme Coffee", slug="acme-coffee")
    manager = e2e_factory.member(client, "manager")
    reader = e2e_factory.member(client, "client")
    accounts = {p: connect_account(e2e_factory, client, p, fakes[p], handle=f"{p}-acme")
                for p in NETWORKS}
    targets = publish_one_each(e2e_app, e2e_db, run_jobs, accounts, fakes)
    assert {p: fakes[p].count() for p in NETWORKS} == dict.fromkeys(NETWORKS, 1)

    # -- collection 1: what the fakes hold, under canonical names, absent metrics absent
    set_numbers(fakes, targets, 0)
    first = collect(e2e_app, e2e_db, run_jobs)
    assert samples(e2e_db, first) == expected_samples(accounts, targets, 0)
    assert not any(key[1] == targets["telegram"].id for key in samples(e2e_db, first))
    assert e2e_db.scalar(select(func.count()).select_from(MetricSample).where(
        MetricSample.id.in_(first), MetricSample.value == 0)) == 0

    # last month, on a controlled clock: collection 1 on day 3, the posts on day 5,
    # collection 2 on day 21; collection 3 stays in this month, after the report's period
    start, end = period_bounds("month", today=client_today(client))
    lower, upper = utc_bounds(client, start, end)
    move(e2e_db, first, lower + dt.timedelta(days=2, hours=10))
    published = lower + dt.timedelta(days=4, hours=12)
    e2e_db.execute(update(PostTarget).where(PostTarget.id.in_([t.id for t in targets.values()]))
                   .values(published_at=published))
    e2e_db.commit()

    set_numbers(fakes, targets, 1)
    second = collect(e2e_app, e2e_db, run_jobs)
    assert samples(e2e_db, second) == expected_samples(accounts, targets, 1)
    move(e2e_db, second, lower + dt.timedelta(days=20, hours=9))
    set_numbers(fakes, targets, 2)
    third = collect(e2e_app, e2e_db, run_jobs)
    assert samples(e2e_db, third) == expected_samples(accounts, targets, 2)
    assert all(s.measured_at >= upper for s in e2e_db.scalars(
        select(MetricSample).where(MetricSample.id.in_(third))))

    # -- the monthly report
    created = e2e_api.post(f"/clients/{client.id}/reports", as_=manager, json={"period": "month"})
    assert created.status_code == 201, created.json
    report = created.json
    assert (report["starts_on"], report["ends_on"]) == (start.isoformat(), end.isoformat())
    data = report["data"]
    final, at_publish = POSTS[1], FOLLOWERS[0]
    engagement = {p: sum(v for k, v in final[p].items() if k in ("likes", "comments", "shares"))
                  for p in final}
    assert engagement == {"vk": 66, "instagram": 206, "youtube": 120}
    by_platform = {p["platform"]: p for p in data["platforms"]}
    assert set(by_platform) == set(NETWORKS)
    for platform in NETWORKS:
        row, values = by_platform[platform], final.get(platform, {})
        assert row["posts"] == 1
        for metric in ("reach", "views", "likes", "comments", "shares", "saves"):
            assert row[metric] == values.get(metric), (platform, metric)
        assert row["engagement"] == engagement.get(platform)
    kpis = data["kpis"]
    assert kpis["posts"] == 4 and kpis["reach"] == 1000 + 2200
    assert kpis["engagement"] == 66 + 206 + 120
    assert kpis["er_by_reach"] == pytest.approx((66 + 206) / 3200)
    assert kpis["er_by_followers"] == pytest.approx(392 / (1200 + 5000 + 800))
    growth = {p: FOLLOWERS[1][p] - FOLLOWERS[0][p] for p in NETWORKS}
    assert kpis["follower_growth"] == sum(growth.values()) == 220
    assert {(f["platform"], f["start"], f["end"], f["growth"]) for f in data["followers"]} == {
        (p, FOLLOWERS[0][p], FOLLOWERS[1][p], growth[p]) for p in NETWORKS}

    # -- HTML and CSV, as the client reads them
    html = e2e_api.get(f"/reports/{report['id']}/html", as_=reader)
    assert html.status_code == 200 and html.mimetype == "text/html"
    page = html.get_data(as_text=True)
    assert "Acme Coffee" in page and "<script" not in page and page.count("<svg") >= 2
    raw = e2e_api.get(f"/reports/{report['id']}/csv", as_=reader)
    assert raw.status_code == 200 and raw.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(raw.get_data(as_text=True))))
    table = {(r["section"], r["subject"], r["metric"]): r["value"] for r in rows}
    assert len(table) == len(rows)  # one value per figure
    tables = html_tables(page)

    # KPIs
    html_kpis = {r["key"]: r["Value"] for r in tables["kpis"]}
    assert html_kpis == {m: v for (s, _, m), v in table.items() if s == "kpi"}
    assert html_kpis["reach"] == "3,200" and html_kpis["engagement"] == "392"
    assert html_kpis["er_by_reach"] == "8.50%" and html_kpis["er_by_followers"] == "5.60%"
    assert html_kpis["follower_growth"] == "220" and html_kpis["posts"] == "4"

    # per network
    assert sorted(r["Network"] for r in tables["platforms"]) == sorted(NETWORKS)
    for row in tables["platforms"]:
        platform = row["Network"]
        shown = figures(row)
        assert shown == {m: table[("platform", platform, m)] for m in shown}, platform
        values = final.get(platform, {})
        assert shown["reach"] == fmt_int(values.get("reach"))
        assert shown["saves"] == "n/a"  # no network here reported saves: absent, never 0
        assert shown["engagement"] == fmt_int(engagement.get(platform))
        assert shown["er_by_reach"] == fmt_rate(engagement.get(platform), values.get("reach"))

    # per post (the top posts: every measured post, most engaging first)
    assert [r["Network"] for r in tables["top-posts"]] == ["instagram", "youtube", "vk"]
    for row in tables["top-posts"]:
        platform = row["Network"]
        subject = f"{platform}:{targets[platform].id}"
        shown = figures(row)
        assert shown == {m: table[("post", subject, m)] for m in shown}, platform
        assert shown["reach"] == fmt_int(final[platform].get("reach"))
        assert shown["engagement"] == fmt_int(engagement[platform])
        assert shown["er_by_followers"] == fmt_rate(engagement[platform], at_publish[platform])
    assert table[("post", f"telegram:{targets['telegram'].id}", "engagement")] == "n/a"
    assert table[("post", f"youtube:{targets['youtube'].id}", "comments")] == "n/a"
    assert table[("post", f"instagram:{targets['instagram'].id}", "shares")] == "11"

    # followers per account
    assert len(tables["followers"]) == len(NETWORKS)
    for row in tables["followers"]:
        platform, handle = row["Account"].split(" ")
        shown = figures(row)
        assert shown == {m: table[("followers", f"{platform}:{handle}", m)] for m in shown}
        assert shown == {"start": fmt_int(FOLLOWERS[0][platform]),
                         "end": fmt_int(FOLLOWERS[1][platform]), "growth": fmt_int(growth[platform])}
