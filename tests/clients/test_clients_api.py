from __future__ import annotations

from sqlalchemy import select

from smmflow.audit.models import AuditEvent
from smmflow.clients.models import Client


def test_owner_creates_client_and_audit_records_actor_and_address(api, factory, db):
    owner = factory.owner()
    resp = api.post("/clients", as_=owner, json={"name": "Acme", "slug": "acme",
                                                 "timezone": "Europe/Berlin", "currency": "EUR",
                                                 "monthly_budget_minor": 150000},
                    environ_base={"REMOTE_ADDR": "203.0.113.7"})
    assert resp.status_code == 201, resp.json
    assert resp.headers["ETag"]
    client_id = resp.json["id"]
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "client.create"))
    assert event is not None
    assert event.actor_id == owner.id
    assert event.object_id == str(client_id)
    assert event.remote_addr == "203.0.113.7"


def test_stale_if_match_is_409_and_current_one_succeeds(api, factory, db):
    owner = factory.owner()
    client = factory.client()
    first = api.get(f"/clients/{client.id}", as_=owner)
    etag = first.headers["ETag"]
    ok = api.patch(f"/clients/{client.id}", as_=owner, json={"name": "Renamed"},
                   headers={"If-Match": etag})
    assert ok.status_code == 200
    assert ok.headers["ETag"] != etag
    stale = api.patch(f"/clients/{client.id}", as_=owner, json={"name": "Again"},
                      headers={"If-Match": etag})
    assert stale.status_code == 409
    assert stale.json["error"]["code"] == "stale_version"
    assert stale.json["error"]["details"]["etag"] == ok.headers["ETag"]
    db.expire_all()
    assert db.get(Client, client.id).name == "Renamed"


def test_cursor_pagination_walks_every_client_once(api, factory):
    owner = factory.owner()
    ids = {factory.client().id for _ in range(7)}
    seen, cursor, pages = [], None, 0
    while True:
        url = "/clients?limit=3" + (f"&cursor={cursor}" if cursor else "")
        page = api.get(url, as_=owner).json
        seen += [c["id"] for c in page["items"]]
        pages += 1
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert sorted(seen) == sorted(ids)
    assert pages == 3
    bad = api.get("/clients?cursor=!!!", as_=owner)
    assert bad.status_code == 422
    assert "cursor" in bad.json["error"]["details"]["fields"]


def test_members_see_only_their_clients(api, world):
    listed = api.get("/clients", as_=world.manager).json["items"]
    assert [c["id"] for c in listed] == [world.client_a.id]
    assert api.get(f"/clients/{world.client_b.id}", as_=world.manager).status_code == 403
    assert api.get("/clients/999999", as_=world.owner).status_code == 404


def test_duplicate_slug_is_409_naming_field(api, factory):
    owner = factory.owner()
    factory.client(slug="taken")
    resp = api.post("/clients", as_=owner, json={"name": "X", "slug": "taken"})
    assert resp.status_code == 409
    assert "slug" in resp.json["error"]["details"]["fields"]
