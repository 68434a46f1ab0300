"""The figures of a client report, computed in SQL with a fixed number of queries.

Every aggregate is a SQL ``GROUP BY``/window query; the number of queries does
not grow with the number of posts or samples. Times: the period is a range of
dates in the client's timezone, converted to UTC bounds.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, case, func, literal, select
from sqlalchemy.orm import Session

from smmflow.accounts.models import SocialAccount
from smmflow.assignments.models import Assignment
from smmflow.budgets.models import Revenue
from smmflow.campaigns.models import Campaign
from smmflow.clients.models import Client
from smmflow.expenses.models import Expense
from smmflow.metrics.models import MetricSample
from smmflow.metrics.services import ER_BY_FOLLOWERS_FORMULA, ER_BY_REACH_FORMULA, rate
from smmflow.posts.models import Post, PostTarget, TargetStatus

POST_METRICS = ("reach", "impressions", "views", "likes", "comments", "shares", "saves", "clicks")
FORMULAS = {
    "er_by_reach": ER_BY_REACH_FORMULA,
    "er_by_followers": ER_BY_FOLLOWERS_FORMULA,
    "engagement": "engagement = likes + comments + shares + saves (metrics a network lacks are "
                  "left out, never counted as zero)",
    "post_values": "each post's value is its latest sample measured before the end of the period",
    "follower_growth": "follower growth = followers at the end of the period - followers at its "
                       "start (latest account samples before each bound)",
    "cost_per_engagement": "cost per engagement = total spend / total engagement",
    "roi": "ROI = (revenue - spend) / spend",
    "on_time_rate": "on-time rate = work first submitted by its due date / work done",
}


def _plain(mapping: Any) -> dict[str, Any]:
    """A row as a dict of plain numbers (PostgreSQL sums come back as Decimal)."""
    out = {}
    for key, value in dict(mapping).items():
        if isinstance(value, Decimal):
            value = int(value) if value == value.to_integral_value() else float(value)
        out[key] = value
    return out


def utc_bounds(client: Client, start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The UTC instants of ``start`` 00:00 and the day after ``end`` in the client's timezone."""
    tz = zoneinfo.ZoneInfo(client.timezone)
    lower = dt.datetime.combine(start, dt.time(), tz).astimezone(dt.UTC)
    upper = dt.datetime.combine(end + dt.timedelta(days=1), dt.time(), tz).astimezone(dt.UTC)
    return lower, upper


def _latest_post_values(client_id: int, lower: dt.datetime, upper: dt.datetime) -> Any:
    """Subquery: one row per published target of the period with its latest metric values."""
    targets = (
        select(PostTarget.id).join(Post, Post.id == PostTarget.post_id)
        .where(Post.client_id == client_id, PostTarget.status == TargetStatus.PUBLISHED,
               PostTarget.published_at >= lower, PostTarget.published_at < upper)
    )
    ranked = (
        select(MetricSample.post_target_id, MetricSample.metric, MetricSample.value,
               func.row_number().over(
                   partition_by=(MetricSample.post_target_id, MetricSample.metric),
                   order_by=(MetricSample.measured_at.desc(), MetricSample.id.desc())).label("rn"))
        .where(MetricSample.client_id == client_id, MetricSample.measured_at < upper,
               MetricSample.post_target_id.in_(targets))
        .subquery()
    )
    columns = [func.max(case((ranked.c.metric == m, ranked.c.value))).label(m)
               for m in POST_METRICS]
    # A materialised CTE: computed once per statement, never re-scanned per target row.
    return (select(ranked.c.post_target_id.label("target_id"), *columns)
            .where(ranked.c.rn == 1).group_by(ranked.c.post_target_id)
            .cte("post_values").prefix_with("MATERIALIZED", dialect="postgresql"))


def _engagement_expr(values: Any) -> Any:
    parts = [values.c.likes, values.c.comments, values.c.shares, values.c.saves]
    any_present = func.coalesce(*parts).is_not(None)
    total = sum((func.coalesce(p, 0) for p in parts[1:]), func.coalesce(parts[0], 0))
    return case((any_present, total), else_=literal(None))


def build(db: Session, client: Client, start: dt.date, end: dt.date,
          top_n: int = 10) -> dict[str, Any]:
    """All figures of one report (JSON-serialisable)."""
    lower, upper = utc_bounds(client, start, end)
    values = _latest_post_values(client.id, lower, upper)
    eng = _engagement_expr(values).label("engagement")
    followers_at_publish = (
        select(MetricSample.value)
        .where(MetricSample.social_account_id == PostTarget.social_account_id,
               MetricSample.metric == "followers", MetricSample.post_target_id.is_(None),
               MetricSample.measured_at <= PostTarget.published_at)
        .order_by(MetricSample.measured_at.desc(), MetricSample.id.desc()).limit(1)
        .correlate(PostTarget).scalar_subquery()
    )
    per_post_stmt = (
        select(PostTarget.id.label("target_id"), Post.id.label("post_id"), Post.title,
               func.substr(Post.text, 1, 80).label("excerpt"), SocialAccount.platform,
               SocialAccount.handle, PostTarget.url, PostTarget.published_at,
               *[getattr(values.c, m) for m in POST_METRICS], eng,
               followers_at_publish.label("followers_at_publish"))
        .select_from(PostTarget)
        .join(Post, Post.id == PostTarget.post_id)
        .join(SocialAccount, SocialAccount.id == PostTarget.social_account_id)
        .outerjoin(values, values.c.target_id == PostTarget.id)
        .where(Post.client_id == client.id, PostTarget.status == TargetStatus.PUBLISHED,
               PostTarget.published_at >= lower, PostTarget.published_at < upper)
        .order_by(PostTarget.published_at, PostTarget.id)
    )
    posts = []
    for row in db.execute(per_post_stmt):
        item = _plain(row._mapping)
        item["published_at"] = row.published_at.isoformat() if row.published_at else None
        item["er_by_reach"] = rate(item["engagement"], item["reach"])
        item["er_by_followers"] = rate(item["engagement"], item["followers_at_publish"])
        posts.append(item)

    per_platform_stmt = (
        select(SocialAccount.platform, func.count(PostTarget.id).label("posts"),
               *[func.sum(getattr(values.c, m)).label(m) for m in POST_METRICS],
               func.sum(_engagement_expr(values)).label("engagement"),
               func.sum(case((values.c.reach.is_not(None), _engagement_expr(values))))
               .label("engagement_with_reach"))
        .select_from(PostTarget)
        .join(Post, Post.id == PostTarget.post_id)
        .join(SocialAccount, SocialAccount.id == PostTarget.social_account_id)
        .outerjoin(values, values.c.target_id == PostTarget.id)
        .where(Post.client_id == client.id, PostTarget.status == TargetStatus.PUBLISHED,
               PostTarget.published_at >= lower, PostTarget.published_at < upper)
        .group_by(SocialAccount.platform).order_by(SocialAccount.platform)
    )
    platforms = []
    for row in db.execute(per_platform_stmt):
        item = _plain(row._mapping)
        item["er_by_reach"] = rate(item["engagement_with_reach"], item["reach"])
        platforms.append(item)

    followers = _followers(db, client.id, lower, upper)
    spend = _spend(db, client.id, start, end)
    revenue = int(db.scalar(select(func.coalesce(func.sum(Revenue.amount_minor), 0)).where(
        Revenue.client_id == client.id, Revenue.currency == client.currency,
        Revenue.received_on >= start, Revenue.received_on <= end)) or 0)
    contractors = _contractors(db, client.id, lower, upper)
    campaigns = _campaigns(db, client.id, start, end)

    total_eng = sum(p["engagement"] or 0 for p in platforms)
    total_reach = sum(p["reach"] or 0 for p in platforms)
    total_eng_reach = sum(p["engagement_with_reach"] or 0 for p in platforms)
    eng_followers = [(p["engagement"], p["followers_at_publish"]) for p in posts
                     if p["engagement"] is not None and p["followers_at_publish"]]
    # totals, cost per engagement and ROI are in the client's currency; amounts in other
    # currencies are listed in the spend table on their own, never added to them
    total_spend = sum(s["amount_minor"] for s in spend if s["currency"] == client.currency)
    top = sorted((p for p in posts if p["engagement"] is not None),
                 key=lambda p: (p["engagement"], p["reach"] or 0), reverse=True)[:top_n]
    kpis = {
        "posts": len(posts),
        "reach": total_reach if any(p["reach"] is not None for p in platforms) else None,
        "engagement": total_eng if any(p["engagement"] is not None for p in platforms) else None,
        "er_by_reach": rate(total_eng_reach, total_reach),
        "er_by_followers": rate(sum(e for e, _ in eng_followers),
                                sum(f for _, f in eng_followers)) if eng_followers else None,
        "follower_growth": sum(a["growth"] for a in followers if a["growth"] is not None)
        if any(a["growth"] is not None for a in followers) else None,
        "spend_minor": total_spend,
        "revenue_minor": int(revenue),
        "cost_per_engagement_minor": (total_spend / total_eng) if total_eng else None,
        "roi": ((revenue - total_spend) / total_spend) if total_spend and revenue else None,
    }
    return {
        "client": {"id": client.id, "name": client.name, "currency": client.currency,
                   "timezone": client.timezone},
        "period": {"start": start.isoformat(), "end": end.isoformat()},
        "kpis": kpis, "platforms": platforms, "posts": posts, "top_posts": top,
        "followers": followers, "spend": spend, "contractors": contractors,
        "campaigns": campaigns,
        "budget": {"monthly_budget_minor": client.monthly_budget_minor},
        "formulas": FORMULAS,
    }


def _followers(db: Session, client_id: int, lower: dt.datetime,
               upper: dt.datetime) -> list[dict[str, Any]]:
    """Followers per account at the start and the end of the period.

    Start: the latest sample before the period, else the first one inside it.
    End: the latest sample inside the period, else the start value.
    """
    before = MetricSample.measured_at < lower
    part = (MetricSample.social_account_id, case((before, 1), else_=0))
    ranked = (
        select(MetricSample.social_account_id, MetricSample.value, before.label("before"),
               func.row_number().over(partition_by=part, order_by=(
                   MetricSample.measured_at.desc(), MetricSample.id.desc())).label("latest"),
               func.row_number().over(partition_by=part, order_by=(
                   MetricSample.measured_at.asc(), MetricSample.id.asc())).label("earliest"))
        .where(MetricSample.client_id == client_id, MetricSample.metric == "followers",
               MetricSample.post_target_id.is_(None), MetricSample.measured_at < upper)
        .subquery()
    )
    inside = ranked.c.before.is_(False)
    stmt = (
        select(SocialAccount.id, SocialAccount.platform, SocialAccount.handle,
               SocialAccount.is_competitor,
               func.max(case((and_(ranked.c.before.is_(True), ranked.c.latest == 1),
                              ranked.c.value))).label("before"),
               func.max(case((and_(inside, ranked.c.earliest == 1), ranked.c.value)))
               .label("first"),
               func.max(case((and_(inside, ranked.c.latest == 1), ranked.c.value))).label("last"))
        .join(ranked, ranked.c.social_account_id == SocialAccount.id)
        .group_by(SocialAccount.id, SocialAccount.platform, SocialAccount.handle,
                  SocialAccount.is_competitor)
        .order_by(SocialAccount.platform, SocialAccount.handle)
    )
    out = []
    for raw in db.execute(stmt):
        row = _plain(raw._mapping)
        start = row["before"] if row["before"] is not None else row["first"]
        end_value = row["last"] if row["last"] is not None else start
        growth = end_value - start if start is not None and end_value is not None else None
        out.append({"account_id": row["id"], "platform": row["platform"],
                    "handle": row["handle"], "competitor": row["is_competitor"], "start": start,
                    "end": end_value, "growth": growth})
    return out


def _spend(db: Session, client_id: int, start: dt.date, end: dt.date) -> list[dict[str, Any]]:
    stmt = (select(Expense.kind, Expense.currency, func.sum(Expense.amount_minor).label("amount"))
            .where(Expense.client_id == client_id, Expense.incurred_on >= start,
                   Expense.incurred_on <= end)
            .group_by(Expense.kind, Expense.currency).order_by(Expense.kind))
    return [{"kind": r.kind, "currency": r.currency, "amount_minor": int(r.amount)}
            for r in db.execute(stmt)]


def _contractors(db: Session, client_id: int, lower: dt.datetime,
                 upper: dt.datetime) -> list[dict[str, Any]]:
    from smmflow.auth.models import User

    on_time = case((and_(Assignment.first_submitted_at.is_not(None),
                         Assignment.first_submitted_at <= Assignment.due_at), 1), else_=0)
    stmt = (
        select(User.id, User.name, Assignment.currency, func.count(Assignment.id).label("done"),
               func.sum(on_time).label("on_time"),
               func.avg(Assignment.revision_rounds).label("avg_revisions"),
               func.sum(Assignment.fee_minor).label("fees"))
        .join(User, User.id == Assignment.contractor_id)
        .where(Assignment.client_id == client_id, Assignment.state == "done",
               Assignment.done_at >= lower, Assignment.done_at < upper)
        .group_by(User.id, User.name, Assignment.currency).order_by(User.name, Assignment.currency)
    )
    return [{"contractor_id": r.id, "name": r.name, "currency": r.currency, "done": r.done,
             "on_time_rate": int(r.on_time or 0) / r.done if r.done else None,
             "avg_revision_rounds": float(r.avg_revisions or 0), "fees_minor": int(r.fees or 0)}
            for r in db.execute(stmt)]


def _campaigns(db: Session, client_id: int, start: dt.date, end: dt.date) -> list[dict[str, Any]]:
    stmt = select(Campaign).where(Campaign.client_id == client_id, Campaign.starts_on <= end,
                                  Campaign.ends_on >= start).order_by(Campaign.starts_on)
    return [{"id": c.id, "name": c.name, "starts_on": c.starts_on.isoformat(),
             "ends_on": c.ends_on.isoformat(), "target_reach": c.target_reach,
             "target_er_bp": c.target_er_bp, "target_follower_growth": c.target_follower_growth,
             "budget_minor": c.budget_minor} for c in db.scalars(stmt)]
