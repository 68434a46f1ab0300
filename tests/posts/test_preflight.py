"""Preflight: each target platform's validate() plus the broadcast check_content, per target."""

from __future__ import annotations

from tests.posts.flows import new_post
from tests.posts.platforms import CAPTION_LIMIT


def _by_platform(report):
    return {t["platform"]: t for t in report["targets"]}


def test_clean_post_passes(api, scene):
    post = new_post(api, scene, text="Short and sweet #launch")
    resp = api.get(f"/posts/{post['id']}/preflight", as_=scene.world.manager)
    assert resp.status_code == 200
    report = resp.json
    assert report["ok"] is True and report["content_hash"] == post["content_hash"]
    assert {t["platform"]: t["problems"] for t in report["targets"]} == {"photonet": [],
                                                                        "chatnet": []}


def test_platform_limits_show_on_their_target_only(api, scene):
    text = "x" * (CAPTION_LIMIT + 5) + " #a #b #c #d"
    post = new_post(api, scene, text=text)
    report = api.get(f"/posts/{post['id']}/preflight", as_=scene.world.manager).json
    assert report["ok"] is False
    photo = _by_platform(report)["photonet"]
    assert {p["code"] for p in photo["problems"]} == {"text_too_long", "too_many_hashtags"}
    assert all(p["field"] == "text" and p["message"] for p in photo["problems"])
    assert _by_platform(report)["chatnet"]["problems"] == []


def test_broadcast_check_content_problems(api, scene):
    post = new_post(api, scene, text="Better than CompetitorBrand, sponsored")
    report = api.get(f"/posts/{post['id']}/preflight", as_=scene.world.manager).json
    assert [p["code"] for p in report["content_problems"]] == ["brand_safety"]
    by = _by_platform(report)
    assert {p["code"] for p in by["photonet"]["problems"]} == {"brand_safety", "ad_label"}
    assert {p["code"] for p in by["chatnet"]["problems"]} == {"brand_safety"}


def test_account_state_and_missing_platform(api, factory, scene):
    world = scene.world
    gone = factory.account(world.client_a, "oldnet")
    scene.chat.status = "needs_reauth"
    factory.db.commit()
    post = new_post(api, scene)
    resp = api.post(f"/posts/{post['id']}/targets", as_=world.manager,
                    headers={"If-Match": api.get(f"/posts/{post['id']}", as_=world.manager)
                             .headers["ETag"]}, json={"social_account_id": gone.id})
    assert resp.status_code == 201
    by = _by_platform(api.get(f"/posts/{post['id']}/preflight", as_=world.manager).json)
    assert [p["code"] for p in by["chatnet"]["problems"]] == ["account_needs_reauth"]
    assert [p["code"] for p in by["oldnet"]["problems"]] == ["platform_unavailable"]
    assert by["photonet"]["ok"] is True


def test_target_options_are_validated(api, scene):
    from marshmallow import Schema, fields

    from tests.posts.platforms import ChatNet

    class ChatOptions(Schema):
        silent = fields.Boolean()

    ChatNet.options_schema = ChatOptions
    try:
        post = new_post(api, scene)
        target = next(t for t in post["targets"] if t["social_account_id"] == scene.chat.id)
        etag = api.get(f"/posts/{post['id']}", as_=scene.world.manager).headers["ETag"]
        api.patch(f"/posts/{post['id']}/targets/{target['id']}", as_=scene.world.manager,
                  headers={"If-Match": etag}, json={"options": {"colour": "red"}})
        by = _by_platform(api.get(f"/posts/{post['id']}/preflight", as_=scene.world.manager).json)
        assert [p["field"] for p in by["chatnet"]["problems"]] == ["options.colour"]
    finally:
        ChatNet.options_schema = None


def test_unclean_preflight_blocks_approval(api, factory, scene):
    factory.approval_chain(scene.world.client_a)
    post = new_post(api, scene, text="y" * 500)
    resp = api.post(f"/posts/{post['id']}/approval-requests", as_=scene.world.manager, json={})
    assert resp.status_code == 422
    assert str(post["targets"][0]["id"]) in resp.json["error"]["details"]["preflight"]
    assert api.get(f"/posts/{post['id']}", as_=scene.world.manager).json["status"] == "draft"
