"""Posts and targets through the API: creation, If-Match edits, targets, visibility."""

from __future__ import annotations

from sqlalchemy import select

from smmflow.audit.models import AuditEvent
from smmflow.posts.content import content_hash
from smmflow.posts.models import Post, PostTarget
from tests.posts.fixtures import accepted_submission, image
from tests.posts.flows import approved_post, etag, new_post, start_approval


def _actions(db, object_type="post"):
    return [e.action for e in db.scalars(select(AuditEvent).where(
        AuditEvent.object_type == object_type).order_by(AuditEvent.id))]


def test_create_from_scratch(api, db, scene):
    world = scene.world
    resp = api.post(f"/clients/{world.client_a.id}/posts", as_=world.manager,
                    json={"title": "Launch", "text": "Hello #launch",
                          "media": [{"kind": "image", "mime_type": "image/png", "size_bytes": 10,
                                     "url": "https://cdn.example.test/a.png"}],
                          "options": {"silent": True}})
    assert resp.status_code == 201, resp.json
    body = resp.json
    assert body["status"] == "draft" and body["created_by_id"] == world.manager.id
    assert resp.headers["ETag"] == f'"posts-{body["id"]}-v1"'
    post = db.get(Post, body["id"])
    assert body["content_hash"] == content_hash(post) and body["approved_hash"] is None
    assert "post.compose" in _actions(db)


def test_create_from_accepted_submissions(api, db, factory, scene):
    world = scene.world
    copy = accepted_submission(factory, world.client_a, world.contractor, "Fresh autumn drop.")
    design = accepted_submission(factory, world.client_a, factory.contractor(["designer"]), "",
                                 media=[image(7)])
    resp = api.post(f"/clients/{world.client_a.id}/posts", as_=world.manager,
                    json={"from_submissions": [copy.id, design.id], "title": "Drop"})
    assert resp.status_code == 201, resp.json
    body = resp.json
    assert body["text"] == "Fresh autumn drop."
    assert [m["sha256"] for m in body["media"]] == [f"{7:064x}"]
    assert body["media"][0]["path"] == f"/srv/media/{7:064x}"
    assert body["brief_id"] == copy.assignment.brief_id
    event = db.scalar(select(AuditEvent).where(AuditEvent.action == "post.compose"))
    assert event.details["from_submissions"] == [copy.id, design.id]


def test_explicit_text_wins_over_submissions(api, factory, scene):
    world = scene.world
    sub = accepted_submission(factory, world.client_a, world.contractor, "Contractor text",
                              media=[image(8)])
    resp = api.post(f"/clients/{world.client_a.id}/posts", as_=world.manager,
                    json={"from_submissions": [sub.id], "text": "Edited by the manager"})
    assert resp.status_code == 201
    assert resp.json["text"] == "Edited by the manager" and len(resp.json["media"]) == 1


def test_submissions_must_be_accepted_work_of_this_client(api, db, factory, scene):
    world = scene.world
    pending = accepted_submission(factory, world.client_a, world.contractor, "x", state="submitted")
    foreign = accepted_submission(factory, world.client_b, world.contractor, "y")
    for sid in (pending.id, foreign.id, 999_999):
        resp = api.post(f"/clients/{world.client_a.id}/posts", as_=world.manager,
                        json={"from_submissions": [sid]})
        assert resp.status_code == 422, resp.json
        assert "from_submissions" in resp.json["error"]["details"]["fields"]
    assert db.scalar(select(Post.id)) is None


def test_older_submission_version_is_refused(api, db, factory, scene):
    world = scene.world
    first = accepted_submission(factory, world.client_a, world.contractor, "v1")
    from smmflow.assignments.models import Submission

    db.add(Submission(assignment_id=first.assignment_id, number=2, text="v2"))
    db.commit()
    resp = api.post(f"/clients/{world.client_a.id}/posts", as_=world.manager,
                    json={"from_submissions": [first.id]})
    assert resp.status_code == 422
    assert "version" in resp.json["error"]["message"]


def test_media_path_must_be_a_known_file(api, factory, scene):
    world = scene.world
    resp = api.post(f"/clients/{world.client_a.id}/posts", as_=world.manager,
                    json={"text": "x", "media": [{"kind": "image", "mime_type": "image/jpeg",
                                                  "size_bytes": 1, "sha256": "a" * 64,
                                                  "path": "/etc/passwd"}]})
    assert resp.status_code == 422
    assert "media.0.path" in resp.json["error"]["details"]["fields"]
    sub = accepted_submission(factory, world.client_a, world.contractor, "t", media=[image(9)])
    resp = api.post(f"/clients/{world.client_a.id}/posts", as_=world.manager,
                    json={"from_submissions": [sub.id], "media": [image(9)]})
    assert resp.status_code == 201, resp.json


def test_bad_input_names_the_field(api, scene):
    world = scene.world
    url = f"/clients/{world.client_a.id}/posts"
    for body, field in [({"text": "x" * 100_001}, "text"), ({"title": "t" * 201}, "title"),
                        ({"text": "x", "color": "red"}, "color"),
                        ({"media": [{"kind": "gif", "mime_type": "image/gif", "size_bytes": 1,
                                     "url": "https://x.test/a"}]}, "media"),
                        ({"options": {str(i): i for i in range(60)}}, "options")]:
        resp = api.post(url, as_=world.manager, json=body)
        assert resp.status_code == 422, (body, resp.json)
        assert field in resp.json["error"]["details"]["fields"], resp.json


def test_targets_one_per_account_of_the_same_client(api, db, factory, scene):
    world = scene.world
    post = new_post(api, scene, accounts=("photo",))
    url = f"/posts/{post['id']}/targets"
    headers = {"If-Match": etag(api, scene, post["id"])}
    resp = api.post(url, as_=world.manager, headers=headers, json={"social_account_id": scene.photo.id})
    assert resp.status_code == 409
    other = factory.account(world.client_b, "chatnet")
    resp = api.post(url, as_=world.manager, headers=headers, json={"social_account_id": other.id})
    assert resp.status_code == 422
    competitor = factory.account(world.client_a, "chatnet", is_competitor=True)
    resp = api.post(url, as_=world.manager, headers=headers,
                    json={"social_account_id": competitor.id})
    assert resp.status_code == 422
    assert len(db.scalars(select(PostTarget)).all()) == 1


def test_edit_requires_if_match(api, db, scene):
    world = scene.world
    post = new_post(api, scene)
    url = f"/posts/{post['id']}"
    resp = api.patch(url, as_=world.manager, json={"text": "New"})
    assert resp.status_code == 428
    assert resp.json["error"]["code"] == "precondition_required"
    current = etag(api, scene, post["id"])
    resp = api.patch(url, as_=world.manager, json={"text": "New"}, headers={"If-Match": current})
    assert resp.status_code == 200 and resp.json["text"] == "New"
    assert resp.headers["ETag"] != current
    resp = api.patch(url, as_=world.manager, json={"text": "Stale"}, headers={"If-Match": current})
    assert resp.status_code == 409 and resp.json["error"]["code"] == "stale_version"
    assert db.get(Post, post["id"]).text == "New"
    resp = api.patch(f"{url}/targets/{post['targets'][0]['id']}", as_=world.manager,
                     json={"options": {"silent": True}})
    assert resp.status_code == 428


def test_target_options_and_removal(api, db, scene):
    world = scene.world
    post = new_post(api, scene)
    photo_target = post["targets"][0]["id"]
    resp = api.patch(f"/posts/{post['id']}/targets/{photo_target}", as_=world.manager,
                     headers={"If-Match": etag(api, scene, post["id"])},
                     json={"options": {"first_comment": "Link in bio"}})
    assert resp.status_code == 200 and resp.json["options"] == {"first_comment": "Link in bio"}
    resp = api.delete(f"/posts/{post['id']}/targets/{photo_target}", as_=world.manager,
                      headers={"If-Match": etag(api, scene, post["id"])})
    assert resp.status_code == 204
    assert [t.id for t in db.scalars(select(PostTarget))] == [post["targets"][1]["id"]]
    resp = api.delete(f"/posts/{post['id']}/targets/{photo_target}", as_=world.manager,
                      headers={"If-Match": etag(api, scene, post["id"])})
    assert resp.status_code == 404
    assert {"post.target_add", "post.target_edit", "post.target_remove"} <= set(_actions(db))


def test_client_approver_sees_posts_once_they_reach_approval(api, factory, scene):
    world = scene.world
    factory.approval_chain(world.client_a)
    draft = new_post(api, scene, text="Draft only")
    waiting = new_post(api, scene, text="For approval")
    start_approval(api, scene, waiting["id"])
    listed = api.get(f"/clients/{world.client_a.id}/posts", as_=world.client_member).json["items"]
    assert [p["id"] for p in listed] == [waiting["id"]]
    assert api.get(f"/posts/{draft['id']}", as_=world.client_member).status_code == 404
    assert api.get(f"/posts/{waiting['id']}", as_=world.client_member).status_code == 200
    managers = api.get(f"/clients/{world.client_a.id}/posts", as_=world.manager).json["items"]
    assert {p["id"] for p in managers} == {draft["id"], waiting["id"]}
    assert api.get(f"/clients/{world.client_a.id}/posts?status=in_approval",
                   as_=world.manager).json["items"][0]["id"] == waiting["id"]


def test_delete_post_keeps_published_targets(api, db, factory, scene):
    world = scene.world
    post = approved_post(api, scene, factory)
    target = db.get(PostTarget, post["targets"][0]["id"])
    target.status = "published"
    db.commit()
    assert api.delete(f"/posts/{post['id']}", as_=world.manager).status_code == 409
    resp = api.delete(f"/posts/{post['id']}/targets/{target.id}", as_=world.manager,
                      headers={"If-Match": etag(api, scene, post["id"])})
    assert resp.status_code == 409
    fresh = new_post(api, scene)
    assert api.delete(f"/posts/{fresh['id']}", as_=world.manager).status_code == 204
    assert db.get(Post, fresh["id"]) is None


def test_media_by_sha256_comes_from_the_media_store(app, api, scene, tmp_path):
    import hashlib

    from smmflow.media import media_store

    data = b"\x89PNG\r\n\x1a\n" + b"0" * 64
    sha = hashlib.sha256(data).hexdigest()
    upload = tmp_path / "upload.png"
    upload.write_bytes(data)
    store = media_store(app)
    store.put_file(upload, sha, "image/png")
    resp = api.post(f"/clients/{scene.world.client_a.id}/posts", as_=scene.world.manager,
                    json={"text": "x", "media": [{"kind": "image", "mime_type": "image/png",
                                                  "size_bytes": len(data), "sha256": sha}]})
    assert resp.status_code == 201, resp.json
    assert resp.json["media"][0]["path"] == str(store.local_path(sha))
