"""Small API walks shared by the posts and approvals tests."""

from __future__ import annotations

from typing import Any

from smmflow.testing.client import ApiClient
from tests.posts.fixtures import Scene


def new_post(api: ApiClient, scene: Scene, text: str = "Autumn launch #launch",
             accounts: tuple[str, ...] = ("photo", "chat"), **body: Any) -> dict[str, Any]:
    """A draft post of client A by the manager, with targets on the named scene accounts."""
    world = scene.world
    resp = api.post(f"/clients/{world.client_a.id}/posts", as_=world.manager,
                    json={"text": text} | body)
    assert resp.status_code == 201, resp.json
    post = resp.json
    for name in accounts:
        resp = api.post(f"/posts/{post['id']}/targets", as_=world.manager,
                        headers={"If-Match": etag(api, scene, post["id"])},
                        json={"social_account_id": getattr(scene, name).id})
        assert resp.status_code == 201, resp.json
    return api.get(f"/posts/{post['id']}", as_=world.manager).json


def etag(api: ApiClient, scene: Scene, post_id: int) -> str:
    resp = api.get(f"/posts/{post_id}", as_=scene.world.manager)
    assert resp.status_code == 200, resp.json
    return resp.headers["ETag"]


def start_approval(api: ApiClient, scene: Scene, post_id: int, **body: Any) -> dict[str, Any]:
    resp = api.post(f"/posts/{post_id}/approval-requests", as_=scene.world.manager, json=body)
    assert resp.status_code == 201, resp.json
    return resp.json


def decide(api: ApiClient, user: Any, request_id: int, decision: str = "approve",
           comment: str = "", expect: int = 201) -> dict[str, Any]:
    resp = api.post(f"/approval-requests/{request_id}/decisions", as_=user,
                    json={"decision": decision, "comment": comment})
    assert resp.status_code == expect, resp.json
    return resp.json


def approved_post(api: ApiClient, scene: Scene, factory: Any, **kw: Any) -> dict[str, Any]:
    """A post approved through a one-step manager chain (decided by the second manager)."""
    factory.approval_chain(scene.world.client_a)
    post = new_post(api, scene, **kw)
    request = start_approval(api, scene, post["id"])
    decide(api, scene.manager2, request["id"])
    post = api.get(f"/posts/{post['id']}", as_=scene.world.manager).json
    assert post["status"] == "approved", post
    return post
