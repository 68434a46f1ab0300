"""Versioned tech specs: schema validation, platform limits merged in, acknowledgement."""

from __future__ import annotations

import copy

from sqlalchemy import func, select

from smmflow.briefs.models import TechSpecVersion
from tests.assignments.helpers import IMAGE_DELIVERABLE, TEXT_DELIVERABLE


def _brief(api, world, platforms=("photonet", "textnet")):
    resp = api.post(f"/clients/{world.client_a.id}/briefs", as_=world.manager,
                    json={"title": "Launch", "target_platforms": list(platforms)})
    assert resp.status_code == 201, resp.json
    return resp.json["id"]


def _put(api, user, brief_id, deliverables, **kw):
    return api.put(f"/briefs/{brief_id}/spec", as_=user,
                   json={"deliverables": deliverables, **kw})


def test_first_spec_is_version_one_with_platform_limits_merged(api, world):
    brief_id = _brief(api, world)
    resp = _put(api, world.manager, brief_id, [TEXT_DELIVERABLE, IMAGE_DELIVERABLE],
                change_note="first")
    assert resp.status_code == 201, resp.json
    spec = resp.json
    assert spec["number"] == 1 and spec["current"] is True
    assert spec["platforms"] == ["photonet", "textnet"]
    text, image = spec["deliverables"]
    eff = text["effective"]
    # the post has an image, so the caption limit applies: photonet 300 beats spec 400, textnet 1024
    assert eff["max_length"] == {"value": 300, "source": "photonet"}
    assert eff["min_length"] == {"value": 20, "source": "spec"}
    assert eff["max_hashtags"] == {"value": 3, "source": "spec"}
    assert eff["required_words"]["value"] == ["Acme"]
    assert text["requirements"]["max_length"] == 400  # what the manager wrote stays visible
    ieff = image["effective"]
    assert ieff["image_formats"]["value"] == ["jpeg"]  # spec jpeg+png, photonet jpeg only
    assert ieff["image_min_width"] == {"value": 600, "source": "spec"}  # stricter than photonet 320
    assert ieff["min_aspect_ratio"] == {"value": 0.8, "source": "photonet"}
    assert ieff["min_items"] == {"value": 1, "source": "default"}
    assert ieff["max_items"] == {"value": 1, "source": "default"}
    assert image["warnings"] == []

    got = api.get(f"/briefs/{brief_id}/spec", as_=world.manager)
    assert got.status_code == 200 and got.json["deliverables"] == spec["deliverables"]
    assert api.get(f"/briefs/{brief_id}", as_=world.manager).json["spec_version"] == 1


def test_text_only_post_uses_the_text_limit_and_contradictions_warn(api, world):
    brief_id = _brief(api, world, platforms=("textnet",))
    resp = _put(api, world.manager, brief_id, [
        {"key": "post", "kind": "text", "role": "copywriter", "requirements": {"min_length": 5000}}])
    text = resp.json["deliverables"][0]
    assert text["effective"]["max_length"] == {"value": 4096, "source": "textnet"}
    assert any("min_length" in w and "max_length" in w for w in text["warnings"])

    brief_id = _brief(api, world, platforms=("photonet",))
    resp = _put(api, world.manager, brief_id, [
        {"key": "pic", "kind": "image", "role": "designer", "requirements": {"image_formats": ["png"]}}])
    assert any("format" in w for w in resp.json["deliverables"][0]["warnings"])


def test_spec_that_breaks_its_schema_is_422_naming_the_field_and_stores_nothing(api, world, db):
    brief_id = _brief(api, world)
    bad_cases = [
        ([{**TEXT_DELIVERABLE, "kind": "poem"}], "kind"),
        ([{**TEXT_DELIVERABLE, "requirements": {"min_length": 50, "max_length": 10}}], "max_length"),
        ([{**TEXT_DELIVERABLE, "requirements": {"image_min_width": 100}}], "image_min_width"),
        ([{**TEXT_DELIVERABLE, "requirements": {"max_length": "long"}}], "max_length"),
        ([{**IMAGE_DELIVERABLE, "requirements": {"image_formats": ["bmp"]}}], "image_formats"),
        ([{**TEXT_DELIVERABLE, "requirements": {"colour": "red"}}], "colour"),
        ([{**TEXT_DELIVERABLE, "role": "astronaut"}], "role"),
        ([TEXT_DELIVERABLE, TEXT_DELIVERABLE], "key"),
        ([{**TEXT_DELIVERABLE, "platforms": ["nowhere"]}], "platforms"),
        ([], "deliverables"),
    ]
    for deliverables, field in bad_cases:
        resp = _put(api, world.manager, brief_id, deliverables)
        assert resp.status_code == 422, (field, resp.json)
        assert field in str(resp.json["error"]["details"]), (field, resp.json)
    assert db.scalar(select(func.count()).select_from(TechSpecVersion)) == 0
    assert api.get(f"/briefs/{brief_id}/spec", as_=world.manager).status_code == 404


def test_identical_spec_makes_no_new_version_and_if_match_guards_overwrites(api, world):
    brief_id = _brief(api, world)
    first = _put(api, world.manager, brief_id, [TEXT_DELIVERABLE])
    again = _put(api, world.manager, brief_id, [TEXT_DELIVERABLE])
    assert again.status_code == 200 and again.json["number"] == 1
    changed = copy.deepcopy(TEXT_DELIVERABLE)
    changed["requirements"]["max_length"] = 350
    stale = api.put(f"/briefs/{brief_id}/spec", as_=world.manager,
                    json={"deliverables": [changed]}, headers={"If-Match": '"tech_specs-1-v0"'})
    assert stale.status_code == 409 and stale.json["error"]["code"] == "stale_version"
    resp = api.put(f"/briefs/{brief_id}/spec", as_=world.manager, json={"deliverables": [changed]},
                   headers={"If-Match": first.headers["ETag"]})
    assert resp.status_code == 201 and resp.json["number"] == 2
    versions = api.get(f"/briefs/{brief_id}/spec/versions", as_=world.manager).json
    assert [v["number"] for v in versions] == [1, 2]
    old = api.get(f"/briefs/{brief_id}/spec/versions/1", as_=world.manager).json
    assert old["current"] is False and old["deliverables"][0]["requirements"]["max_length"] == 400
    assert api.get(f"/briefs/{brief_id}/spec/versions/7", as_=world.manager).status_code == 404


def test_changing_an_accepted_spec_needs_the_contractors_acknowledgement(api, world, db):
    brief_id = _brief(api, world)
    _put(api, world.manager, brief_id, [TEXT_DELIVERABLE, IMAGE_DELIVERABLE])
    designer = world.contractor
    from smmflow.contractors.models import ContractorProfile

    profile = db.scalar(select(ContractorProfile).where(ContractorProfile.user_id == designer.id))
    profile.skills = ["copywriter", "designer"]
    db.commit()
    offer = api.post(f"/briefs/{brief_id}/assignments", as_=world.manager,
                     json={"contractor_id": designer.id, "deliverable_key": "caption",
                           "fee_minor": 9000, "due_at": "2030-01-01T10:00:00+00:00"}).json
    assignment_id = offer["id"]
    accepted = api.post(f"/assignments/{assignment_id}/accept", as_=designer).json
    assert accepted["spec_version"] == 1 and accepted["acknowledged_spec_version"] == 1
    assert accepted["pending_acknowledgement"] is False

    # a change to another deliverable needs no acknowledgement
    image = copy.deepcopy(IMAGE_DELIVERABLE)
    image["requirements"]["image_min_width"] = 800
    assert _put(api, world.manager, brief_id, [TEXT_DELIVERABLE, image]).json["number"] == 2
    got = api.get(f"/assignments/{assignment_id}", as_=designer).json
    assert got["spec_version"] == 2 and got["pending_acknowledgement"] is False

    # a change to theirs does
    text = copy.deepcopy(TEXT_DELIVERABLE)
    text["requirements"]["forbidden_words"] = ["cheap", "free"]
    assert _put(api, world.manager, brief_id, [text, image]).json["number"] == 3
    got = api.get(f"/assignments/{assignment_id}", as_=designer).json
    assert got["spec_version"] == 3 and got["acknowledged_spec_version"] == 2
    assert got["pending_acknowledgement"] is True
    assert got["allowed_actions"] == ["acknowledge"]
    assert got["deliverable"]["requirements"]["forbidden_words"] == ["cheap", "free"]

    blocked = api.post(f"/assignments/{assignment_id}/submit", as_=designer,
                       json={"text": "Acme rocks #acme, a long enough caption"})
    assert blocked.status_code == 409
    assert blocked.json["error"]["code"] == "acknowledgement_required"
    assert blocked.json["error"]["details"]["allowed_actions"] == ["acknowledge"]

    assert api.post(f"/assignments/{assignment_id}/acknowledge", as_=world.manager).status_code == 403
    acked = api.post(f"/assignments/{assignment_id}/acknowledge", as_=designer)
    assert acked.status_code == 200 and acked.json["pending_acknowledgement"] is False
    assert "submit" in acked.json["allowed_actions"]
    again = api.post(f"/assignments/{assignment_id}/acknowledge", as_=designer)
    assert again.status_code == 409

    # dropping a deliverable somebody works on is refused
    dropped = _put(api, world.manager, brief_id, [image])
    assert dropped.status_code == 409 and dropped.json["error"]["code"] == "deliverable_in_use"


def test_new_target_platforms_make_a_new_spec_version(api, world):
    brief_id = _brief(api, world, platforms=("textnet",))
    _put(api, world.manager, brief_id, [TEXT_DELIVERABLE])
    resp = api.patch(f"/briefs/{brief_id}", as_=world.manager,
                     json={"target_platforms": ["textnet", "photonet"]})
    assert resp.status_code == 200 and resp.json["spec_version"] == 2
    spec = api.get(f"/briefs/{brief_id}/spec", as_=world.manager).json
    assert spec["platforms"] == ["textnet", "photonet"]
    assert spec["change_note"] == "Target platforms changed."
    assert spec["deliverables"][0]["effective"]["max_hashtags"]["value"] == 3
