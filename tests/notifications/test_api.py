"""``GET /api/v1/notifications`` and ``POST /api/v1/notifications/<id>/read``."""

from __future__ import annotations

from smmflow.notifications.models import Notification


def _add(db, user, n=1, **kw):
    rows = [Notification(user_id=user.id, kind="test", title=f"Note {i}", body="b", **kw)
            for i in range(n)]
    db.add_all(rows)
    db.commit()
    return rows


def test_lists_only_own_notifications_newest_first(api, db, factory):
    me, other = factory.user(), factory.user()
    mine = _add(db, me, 3)
    _add(db, other, 2)
    response = api.get("/notifications", as_=me)
    assert response.status_code == 200
    assert [item["id"] for item in response.json["items"]] == [r.id for r in reversed(mine)]
    item = response.json["items"][0]
    assert set(item) == {"id", "kind", "title", "body", "link", "created_at", "read_at"}
    assert item["read_at"] is None


def test_pagination_with_cursor(api, db, factory):
    me = factory.user()
    rows = _add(db, me, 5)
    first = api.get("/notifications?limit=2", as_=me).json
    assert [i["id"] for i in first["items"]] == [rows[4].id, rows[3].id]
    second = api.get(f"/notifications?limit=2&cursor={first['next_cursor']}", as_=me).json
    assert [i["id"] for i in second["items"]] == [rows[2].id, rows[1].id]
    third = api.get(f"/notifications?limit=2&cursor={second['next_cursor']}", as_=me).json
    assert [i["id"] for i in third["items"]] == [rows[0].id]
    assert third["next_cursor"] is None


def test_mark_read_and_unread_filter(api, db, factory):
    me = factory.user()
    first, second = _add(db, me, 2)
    response = api.post(f"/notifications/{first.id}/read", as_=me)
    assert response.status_code == 200
    read_at = response.json["read_at"]
    assert read_at is not None
    again = api.post(f"/notifications/{first.id}/read", as_=me)
    assert again.json["read_at"] == read_at  # idempotent, the first read time stays
    unread = api.get("/notifications?unread=true", as_=me).json["items"]
    assert [i["id"] for i in unread] == [second.id]


def test_someone_elses_notification_is_refused(api, db, factory):
    me, other = factory.user(), factory.user()
    [theirs] = _add(db, other)
    assert api.post(f"/notifications/{theirs.id}/read", as_=me).status_code == 403
    db.refresh(theirs)
    assert theirs.read_at is None
    assert api.post("/notifications/999999/read", as_=me).status_code == 404


def test_anonymous_is_refused(api):
    assert api.get("/notifications").status_code == 401


def test_bad_cursor_and_limit_are_422(api, factory):
    me = factory.user()
    assert api.get("/notifications?cursor=zzz", as_=me).status_code == 422
    assert api.get("/notifications?limit=0", as_=me).status_code == 422
