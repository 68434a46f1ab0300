"""The contractor scorecard: figures computed in SQL, scoped per principal."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import event, select

from smmflow.contractors.models import ContractorProfile

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def _profile_id(db, user):
    return db.scalar(select(ContractorProfile.id).where(ContractorProfile.user_id == user.id))


def _done(factory, brief, user, *, hours_to_submit, late, rounds, fee, currency="EUR", day=0):
    accepted = T0 + dt.timedelta(days=day)
    submitted = accepted + dt.timedelta(hours=hours_to_submit)
    due = submitted + dt.timedelta(hours=-1 if late else 1)
    return factory.assignment(brief, user, state="done", offered_at=accepted - dt.timedelta(hours=1),
                              accepted_at=accepted, first_submitted_at=submitted,
                              submitted_at=submitted, done_at=submitted + dt.timedelta(hours=3),
                              due_at=due, revision_rounds=rounds, fee_minor=fee, currency=currency)


def test_scorecard_figures_for_a_period(api, world, factory, db):
    user = world.contractor
    a_brief = factory.brief(world.client_a)
    b_brief = factory.brief(world.client_b)
    _done(factory, a_brief, user, hours_to_submit=10, late=False, rounds=0, fee=10_000)
    _done(factory, a_brief, user, hours_to_submit=30, late=True, rounds=2, fee=5_000, day=1)
    _done(factory, b_brief, user, hours_to_submit=20, late=False, rounds=1, fee=700, currency="USD", day=2)
    factory.assignment(a_brief, user, state="declined", offered_at=T0)
    factory.assignment(a_brief, user, state="cancelled", offered_at=T0)  # accepted, then cancelled
    factory.assignment(a_brief, user, state="offered", offered_at=T0)  # unanswered
    _done(factory, a_brief, user, hours_to_submit=5, late=False, rounds=0, fee=99, day=60)  # later
    stranger = factory.contractor()
    _done(factory, a_brief, stranger, hours_to_submit=1, late=False, rounds=0, fee=1)

    pid = _profile_id(db, user)
    resp = api.get(f"/contractors/{pid}/scorecard?from=2026-03-01&to=2026-03-31", as_=world.owner)
    assert resp.status_code == 200, resp.json
    card = resp.json
    assert card["scope"] == "all" and card["from"].startswith("2026-03-01")
    assert card["offers"] == 6 and card["accepted"] == 4 and card["declined"] == 1
    assert card["acceptance_rate"] == 0.8
    assert card["completed"] == 3 and card["on_time"] == 2
    assert card["on_time_rate"] == round(2 / 3, 4)
    assert card["avg_revision_rounds"] == 1.0
    assert card["avg_turnaround_hours"] == 20.0
    assert card["fees_earned"] == [{"currency": "EUR", "amount_minor": 15_000},
                                   {"currency": "USD", "amount_minor": 700}]

    # a manager sees only the work for clients they manage
    mine = api.get(f"/contractors/{pid}/scorecard?from=2026-03-01&to=2026-03-31", as_=world.manager).json
    assert mine["scope"] == "managed" and mine["completed"] == 2
    assert mine["fees_earned"] == [{"currency": "EUR", "amount_minor": 15_000}]
    theirs = api.get(f"/contractors/{pid}/scorecard?from=2026-03-01&to=2026-03-31",
                     as_=world.other_manager).json
    assert theirs["completed"] == 1 and theirs["fees_earned"][0]["currency"] == "USD"
    # the contractor sees their own card, not someone else's
    assert api.get(f"/contractors/{pid}/scorecard", as_=user).status_code == 200
    assert api.get(f"/contractors/{_profile_id(db, stranger)}/scorecard", as_=user).status_code == 403
    empty = api.get(f"/contractors/{pid}/scorecard?from=2025-01-01&to=2025-01-31", as_=world.owner).json
    assert empty["completed"] == 0 and empty["on_time_rate"] is None and empty["fees_earned"] == []
    bad = api.get(f"/contractors/{pid}/scorecard?from=2026-03-31&to=2026-03-01", as_=world.owner)
    assert bad.status_code == 422 and "to" in bad.json["error"]["details"]["fields"]
    assert api.get("/contractors/9999/scorecard", as_=world.owner).status_code == 404


def test_scorecard_costs_the_same_queries_for_any_number_of_assignments(app, api, world, factory, db):
    """Aggregates in SQL: the query count does not grow with the data."""
    user = world.contractor
    brief = factory.brief(world.client_a)
    pid = _profile_id(db, user)
    engine = app.extensions["smmflow"].engine
    api.get(f"/contractors/{pid}/scorecard", as_=world.owner)  # issues the token first
    counts = []
    for batch in (1, 12):
        for i in range(batch):
            _done(factory, brief, user, hours_to_submit=5 + i, late=bool(i % 2), rounds=i % 3, fee=100)
        statements: list[str] = []

        def count(conn, cursor, statement, *args, seen=statements):
            seen.append(statement)

        event.listen(engine, "before_cursor_execute", count)
        try:
            resp = api.get(f"/contractors/{pid}/scorecard?from=2026-01-01&to=2026-12-31",
                           as_=world.owner)
        finally:
            event.remove(engine, "before_cursor_execute", count)
        assert resp.status_code == 200
        counts.append(len(statements))
    assert resp.json["completed"] == 13
    assert counts[0] == counts[1]
