"""The whole agency workflow through the API, as the real roles, on the real network plugins.

The manager writes a brief and its spec for an Instagram and a Telegram post,
offers the caption to a copywriter and the key visual to a designer; the
caption comes in over Instagram's 2,200-character limit, fails its automatic
check, goes back for a revision and passes; the accepted work becomes an
expense and moves the copywriter's scorecard; a post built from the two
submissions passes preflight (each plugin's ``validate``), runs the chain
manager then client (the client through the signed link), is scheduled in the
client's timezone, and an edit afterwards voids the approval.

Only people and social accounts are arranged directly; everything else is an
HTTP request by the person who does it in real life.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
from typing import Any
from urllib.parse import urlparse

import pytest
from PIL import Image
from sqlalchemy import select
from werkzeug.test import TestResponse

from smmflow.approvals.models import ApprovalRequest
from smmflow.contractors.models import ContractorProfile
from smmflow.expenses.models import Expense
from smmflow.posts.models import Post, PostTarget
from smmflow.testing.client import ApiClient

CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
MEDIA_URL = "https://media.agency.example/"

GOOD_CAPTION = ("Meet Acme Cold Brew: twelve hours of patience in every bottle, now on the shelves "
                "of every Acme shop. Grab one on your way to work. #acmecoffee #coldbrew")


@pytest.fixture
def fake_settings(fake_settings: dict[str, str]) -> dict[str, str]:
    """The fakes' settings plus a public media address: Instagram fetches files by URL."""
    return fake_settings | {"MEDIA_PUBLIC_URL": MEDIA_URL}


def answer(resp: TestResponse, status: int) -> Any:
    """The JSON body of ``resp`` after checking its status code."""
    assert resp.status_code == status, (resp.status_code, resp.get_data(as_text=True))
    return resp.json


def jpeg(width: int = 1080, height: int = 1080) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (120, 70, 30)).save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def etag(api: ApiClient, user: Any, post_id: int) -> str:
    resp = api.get(f"/posts/{post_id}", as_=user)
    assert resp.status_code == 200, resp.json
    return resp.headers["ETag"]


def test_agency_workflow_from_brief_to_scheduled_post(e2e_app, e2e_api, e2e_db, e2e_factory, fakes):
    # -- the people and the accounts ------------------------------------------------------
    owner = e2e_factory.owner(name="Olga Owner")
    client = e2e_factory.client(name="Acme Coffee", slug="acme-coffee", timezone="America/New_York",
                                currency="EUR")
    manager = e2e_factory.member(client, "manager", e2e_factory.user(name="Mia Manager"))
    reviewer = e2e_factory.member(client, "manager", e2e_factory.user(name="Rob Reviewer"))
    approver = e2e_factory.member(client, "client", e2e_factory.user(name="Cleo Client"))
    copywriter = e2e_factory.contractor(skills=["copywriter"], name="Cody Copy")  # text rate 5000 EUR
    designer = e2e_factory.contractor(skills=["designer"], name="Dana Design")
    instagram = e2e_factory.account(client, "instagram", dict(fakes["instagram"].account_credentials()),
                                    handle="acmecoffee", external_id=fakes["instagram"].ig_user_id)
    telegram = e2e_factory.account(client, "telegram", dict(fakes["telegram"].account_credentials()),
                                   handle="smmflow_fake", external_id="@smmflow_fake")
    copy_profile = e2e_db.scalar(select(ContractorProfile.id)
                                 .where(ContractorProfile.user_id == copywriter.id))

    def scorecard() -> dict[str, Any]:
        return answer(e2e_api.get(f"/contractors/{copy_profile}/scorecard", as_=manager), 200)

    untouched = scorecard()
    assert untouched["scope"] == "managed"
    assert (untouched["offers"], untouched["completed"], untouched["fees_earned"]) == (0, 0, [])

    # -- the brief and its spec: Instagram and Telegram limits are merged in ----------------
    due = (dt.datetime.now(dt.UTC) + dt.timedelta(days=4)).replace(microsecond=0)
    brief = answer(e2e_api.post(f"/clients/{client.id}/briefs", as_=manager, json={
        "title": "Cold brew launch", "objective": "Launch the bottled cold brew.",
        "key_message": "Twelve hours of patience.", "due_at": due.isoformat(),
        "target_platforms": ["instagram", "telegram"]}), 201)
    assert brief["client_id"] == client.id and brief["created_by_id"] == manager.id
    assert brief["spec_version"] is None
    caption_spec = {"key": "caption", "kind": "text", "role": "copywriter", "title": "Caption",
                    "description": "The Instagram caption (the Telegram post carries it too).",
                    "platforms": ["instagram"],
                    "requirements": {"min_length": 80, "required_words": ["Acme"],
                                     "forbidden_words": ["cheap"],
                                     "required_hashtags": ["#acmecoffee"]}}
    visual_spec = {"key": "visual", "kind": "image", "role": "designer", "title": "Key visual",
                   "description": "Square bottle shot for both networks.",
                   "requirements": {"image_min_width": 1080, "image_min_height": 1080,
                                    "image_formats": ["jpeg", "png"]}}
    spec = answer(e2e_api.put(f"/briefs/{brief['id']}/spec", as_=manager, json={
        "deliverables": [caption_spec, visual_spec], "change_note": "First version"}), 201)
    assert spec["number"] == 1 and spec["current"] is True
    assert spec["platforms"] == ["instagram", "telegram"]
    caption, visual = spec["deliverables"]
    assert caption["platforms"] == ["instagram"] and caption["warnings"] == []
    assert caption["effective"]["max_length"] == {"value": 2200, "source": "instagram"}
    assert caption["effective"]["max_hashtags"] == {"value": 30, "source": "instagram"}
    assert caption["effective"]["min_length"] == {"value": 80, "source": "spec"}
    assert visual["platforms"] == ["instagram", "telegram"] and visual["warnings"] == []
    assert visual["effective"]["image_formats"] == {"value": ["jpeg"], "source": "spec+instagram"}
    assert visual["effective"]["max_length"] == {"value": 1024, "source": "telegram"}
    assert visual["effective"]["image_max_width"] == {"value": 1440, "source": "instagram"}
    assert visual["effective"]["min_aspect_ratio"] == {"value": 0.8, "source": "instagram"}

    # -- offers; both contractors accept ----------------------------------------------------
    offer_due = (due - dt.timedelta(days=1)).isoformat()
    copy_offer = answer(e2e_api.post(f"/briefs/{brief['id']}/assignments", as_=manager, json={
        "contractor_id": copywriter.id, "deliverable_key": "caption", "due_at": offer_due}), 201)
    design_offer = answer(e2e_api.post(f"/briefs/{brief['id']}/assignments", as_=manager, json={
        "contractor_id": designer.id, "deliverable_key": "visual", "due_at": offer_due,
        "fee_minor": 15_000}), 201)
    assert (copy_offer["state"], copy_offer["fee_minor"], copy_offer["currency"]) == \
        ("offered", 5000, "EUR")
    assert (design_offer["state"], design_offer["fee_minor"]) == ("offered", 15_000)
    assert copy_offer["deliverable"]["effective"]["max_length"]["value"] == 2200
    cid, did = copy_offer["id"], design_offer["id"]
    seen = answer(e2e_api.get(f"/assignments/{cid}", as_=copywriter), 200)
    assert seen["allowed_actions"] == ["accept", "decline"]
    assert e2e_api.get(f"/assignments/{cid}", as_=designer).status_code == 403  # not their offer
    assert e2e_api.post(f"/assignments/{cid}/accept", as_=designer).status_code == 403
    for aid, contractor in ((cid, copywriter), (did, designer)):
        accepted = answer(e2e_api.post(f"/assignments/{aid}/accept", as_=contractor), 200)
        assert accepted["state"] == "accepted" and accepted["allowed_actions"] == ["submit"]
    assert answer(e2e_api.get(f"/briefs/{brief['id']}", as_=copywriter), 200)["title"] == \
        "Cold brew launch"

    # -- the designer uploads a real JPEG; it passes its check ------------------------------
    picture = jpeg()
    design_sub = answer(e2e_api.post(
        f"/assignments/{did}/submit", as_=designer, content_type="multipart/form-data",
        data={"note": "Bottle on oak", "files": [(io.BytesIO(picture), "bottle.jpg", "image/jpeg")]}),
        201)
    assert design_sub["check_passed"] is True, design_sub["check_result"]
    assert [(m["sha256"], m["format"], m["width"], m["height"]) for m in design_sub["media"]] == \
        [(hashlib.sha256(picture).hexdigest(), "jpeg", 1080, 1080)]
    checked = {r["requirement"]: r for r in design_sub["check_result"]}
    assert checked["image_formats"]["passed"] and checked["image_formats"]["source"] == "spec+instagram"
    assert checked["image_min_width"]["passed"] and checked["image_min_width"]["expected"] == 1080

    # -- the copywriter goes over Instagram's caption limit; the check says why -------------
    filler = " Slow-steeped, smooth, never bitter."
    long_caption = GOOD_CAPTION + filler * ((2300 - len(GOOD_CAPTION)) // len(filler) + 1)
    long_caption = long_caption[:2300]
    assert len(long_caption) == 2300
    first = answer(e2e_api.post(f"/assignments/{cid}/submit", as_=copywriter,
                                json={"text": long_caption, "note": "Long form, as discussed"}), 201)
    assert first["number"] == 1 and first["check_passed"] is False
    failed = [r for r in first["check_result"] if not r["passed"]]
    assert failed == [{"requirement": "max_length", "passed": False, "source": "instagram",
                       "item": None, "expected": 2200, "actual": 2300,
                       "reason": "The text is 2300 characters; the limit is 2200. Cut 100."}]
    assert {r["requirement"] for r in first["check_result"] if r["passed"]} >= \
        {"min_length", "required_words", "forbidden_words", "required_hashtags", "max_hashtags"}
    # stored, and the same for both sides
    as_manager = answer(e2e_api.get(f"/submissions/{first['id']}", as_=manager), 200)
    as_copywriter = answer(e2e_api.get(f"/submissions/{first['id']}", as_=copywriter), 200)
    assert as_manager["check_result"] == as_copywriter["check_result"] == first["check_result"]
    assert as_manager["check_passed"] is as_copywriter["check_passed"] is False
    assert e2e_api.get(f"/submissions/{first['id']}", as_=designer).status_code == 403
    waiting = answer(e2e_api.get(f"/assignments/{cid}", as_=manager), 200)
    assert waiting["state"] == "submitted"
    assert waiting["allowed_actions"] == ["request_revision", "accept_work", "cancel"]
    assert waiting["latest_submission"]["check_passed"] is False

    # -- revision, then a resubmission that passes ------------------------------------------
    revision = answer(e2e_api.post(f"/assignments/{cid}/request-revision", as_=manager,
                                   json={"comment": "Instagram cuts at 2,200 characters: keep it short."}),
                      200)
    assert revision["state"] == "revision_requested" and revision["revision_rounds"] == 1
    history = answer(e2e_api.get(f"/assignments/{cid}/submissions", as_=copywriter), 200)
    assert [(s["number"], s["feedback"]) for s in history] == \
        [(1, "Instagram cuts at 2,200 characters: keep it short.")]
    assert answer(e2e_api.get(f"/assignments/{cid}", as_=copywriter), 200)["allowed_actions"] == \
        ["resubmit"]
    second = answer(e2e_api.post(f"/assignments/{cid}/resubmit", as_=copywriter,
                                 json={"text": GOOD_CAPTION}), 201)
    assert second["number"] == 2 and second["check_passed"] is True
    assert all(r["passed"] for r in second["check_result"])
    length = {r["requirement"]: r for r in second["check_result"]}["max_length"]
    assert (length["expected"], length["actual"], length["source"]) == \
        (2200, len(GOOD_CAPTION), "instagram")
    assert answer(e2e_api.get(f"/submissions/{second['id']}", as_=manager), 200)["check_passed"] is True

    # -- accepting the work records the fee and moves the scorecard -------------------------
    before = scorecard()
    assert (before["offers"], before["accepted"], before["completed"]) == (1, 1, 0)
    assert before["fees_earned"] == [] and before["avg_revision_rounds"] is None
    done = answer(e2e_api.post(f"/assignments/{cid}/accept-work", as_=manager), 200)
    assert done["state"] == "done" and done["allowed_actions"] == [] and done["done_at"]
    assert answer(e2e_api.post(f"/assignments/{did}/accept-work", as_=manager), 200)["state"] == "done"
    again = e2e_api.post(f"/assignments/{cid}/accept-work", as_=manager)
    assert again.status_code == 409 and again.json["error"]["details"]["state"] == "done"

    fee = e2e_db.scalar(select(Expense).where(Expense.assignment_id == cid))
    assert (fee.kind, fee.amount_minor, fee.currency, fee.client_id) == \
        ("contractor_fee", 5000, "EUR", client.id)
    expenses = answer(e2e_api.get(f"/clients/{client.id}/expenses?kind=contractor_fee", as_=manager),
                      200)["items"]
    assert sorted((e["assignment_id"], e["amount_minor"], e["currency"]) for e in expenses) == \
        [(cid, 5000, "EUR"), (did, 15_000, "EUR")]
    after = scorecard()
    assert (after["completed"], after["on_time"], after["on_time_rate"]) == (1, 1, 1.0)
    assert after["avg_revision_rounds"] == 1.0
    assert after["fees_earned"] == [{"currency": "EUR", "amount_minor": 5000}]
    assert (after["offers"], after["accepted"], after["acceptance_rate"]) == (1, 1, 1.0)
    assert after != before

    # -- a post from the accepted work, on both accounts; preflight is clean ---------------
    post = answer(e2e_api.post(f"/clients/{client.id}/posts", as_=manager,
                               json={"from_submissions": [second["id"], design_sub["id"]]}), 201)
    pid = post["id"]
    assert (post["status"], post["text"], post["brief_id"], post["created_by_id"]) == \
        ("draft", GOOD_CAPTION, brief["id"], manager.id)
    assert [m["sha256"] for m in post["media"]] == [hashlib.sha256(picture).hexdigest()]
    assert post["media"][0]["url"].startswith(MEDIA_URL)
    assert post["targets"] == []
    stale = e2e_api.post(f"/clients/{client.id}/posts", as_=manager,
                         json={"from_submissions": [first["id"]]})
    assert stale.status_code == 422  # the rejected first version is not accepted work
    for account in (instagram, telegram):
        target = answer(e2e_api.post(f"/posts/{pid}/targets", as_=manager,
                                     headers={"If-Match": etag(e2e_api, manager, pid)},
                                     json={"social_account_id": account.id}), 201)
        assert (target["social_account_id"], target["status"]) == (account.id, "draft")
    report = answer(e2e_api.get(f"/posts/{pid}/preflight", as_=manager), 200)
    assert report["ok"] is True and report["content_problems"] == []
    assert sorted((t["platform"], t["handle"], t["ok"], len(t["problems"]))
                  for t in report["targets"]) == \
        [("instagram", "acmecoffee", True, 0), ("telegram", "smmflow_fake", True, 0)]
    assert report["content_hash"] == post["content_hash"]

    # -- the chain: a manager who did not write the post, then the client ----------------
    chain = answer(e2e_api.post(f"/clients/{client.id}/approval-chains", as_=owner, json={
        "name": "Agency then client", "steps": [
            {"name": "Agency review", "approver_role": "manager", "sla_hours": 8},
            {"name": "Client sign-off", "approver_role": "client", "sla_hours": 48}]}), 201)
    assert [s["approver_role"] for s in chain["steps"]] == ["manager", "client"]
    request = answer(e2e_api.post(f"/posts/{pid}/approval-requests", as_=manager,
                                  json={"chain_id": chain["id"]}), 201)
    rid = request["id"]
    assert (request["status"], request["current_step"], request["subject_id"]) == ("pending", 1, pid)
    assert request["content_hash"] == post["content_hash"]
    assert request["snapshot"]["text"] == GOOD_CAPTION
    assert sorted(t["platform"] for t in request["snapshot"]["targets"]) == ["instagram", "telegram"]
    assert answer(e2e_api.get(f"/posts/{pid}", as_=manager), 200)["status"] == "in_approval"

    own = e2e_api.post(f"/approval-requests/{rid}/decisions", as_=manager,
                       json={"decision": "approve"})
    assert own.status_code == 403 and own.json["error"]["code"] == "own_work"
    early = e2e_api.post(f"/approval-requests/{rid}/decisions", as_=approver, json={"decision": "approve"})
    assert early.status_code == 403 and early.json["error"]["code"] == "not_an_approver"
    decision = answer(e2e_api.post(f"/approval-requests/{rid}/decisions", as_=reviewer,
                                   json={"decision": "approve", "comment": "On brand."}), 201)
    assert (decision["step_position"], decision["author_id"], decision["via_link"]) == \
        (1, reviewer.id, False)
    moved = answer(e2e_api.get(f"/approval-requests/{rid}", as_=manager), 200)
    assert (moved["status"], moved["current_step"]) == ("pending", 2)
    assert answer(e2e_api.get(f"/posts/{pid}", as_=manager), 200)["status"] == "in_approval"

    # -- the client approves through the signed link page ---------------------------------
    link = answer(e2e_api.post(f"/approval-requests/{rid}/links", as_=manager,
                               json={"user_id": approver.id}), 201)
    assert (link["user_id"], link["step_position"]) == (approver.id, 2)
    browser = e2e_app.test_client()  # no API token: the signature is the permission
    path = urlparse(link["url"]).path
    page = browser.get(path)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    assert "Acme Coffee" in html and "step 2 of 2" in html and "Cleo Client" in html
    assert "Meet Acme Cold Brew" in html and "@acmecoffee" in html and "@smmflow_fake" in html
    token = CSRF.search(html)
    assert token is not None
    signed = browser.post(path, data={"csrf_token": token.group(1), "decision": "approve",
                                      "comment": "Love it"})
    assert signed.status_code == 200, signed.get_data(as_text=True)
    reused = browser.post(path, data={"csrf_token": token.group(1), "decision": "approve"})
    assert reused.status_code == 410  # a link works once
    closed = answer(e2e_api.get(f"/approval-requests/{rid}", as_=manager), 200)
    assert closed["status"] == "approved" and closed["closed_at"]
    assert [(d["step_position"], d["author_id"], d["decision"], d["via_link"], d["comment"])
            for d in closed["decisions"]] == \
        [(1, reviewer.id, "approve", False, "On brand."), (2, approver.id, "approve", True, "Love it")]
    approved = answer(e2e_api.get(f"/posts/{pid}", as_=manager), 200)
    assert approved["status"] == "approved"
    assert approved["approved_hash"] == approved["content_hash"] == post["content_hash"]

    # -- scheduled at 09:30 New York time, stored in UTC ----------------------------------
    year = dt.datetime.now(dt.UTC).year + 1
    in_utc = dt.datetime(year, 7, 1, 13, 30, tzinfo=dt.UTC)  # EDT is UTC-4 in July
    scheduled = answer(e2e_api.post(f"/posts/{pid}/schedule", as_=manager,
                                    json={"at": f"{year}-07-01T09:30"}), 200)
    assert scheduled["status"] == "scheduled"
    assert {(t["status"], dt.datetime.fromisoformat(t["scheduled_at"]), t["content_hash"])
            for t in scheduled["targets"]} == {("scheduled", in_utc, approved["approved_hash"])}
    e2e_db.expire_all()
    rows = list(e2e_db.scalars(select(PostTarget).where(PostTarget.post_id == pid)))
    assert len(rows) == 2
    assert all(t.scheduled_at == in_utc and t.status == "scheduled" for t in rows)
    assert e2e_db.get(Post, pid).status == "scheduled"

    # -- an edit after approval voids it ----------------------------------------------------
    edited = answer(e2e_api.patch(f"/posts/{pid}", as_=manager,
                                  headers={"If-Match": etag(e2e_api, manager, pid)},
                                  json={"text": GOOD_CAPTION + " Now with oat milk."}), 200)
    assert edited["status"] == "draft" and edited["approved_hash"] is None
    assert edited["content_hash"] != approved["approved_hash"]
    assert {(t["status"], t["scheduled_at"], t["content_hash"]) for t in edited["targets"]} == \
        {("draft", None, None)}
    voided = answer(e2e_api.get(f"/approval-requests/{rid}", as_=manager), 200)
    assert voided["status"] == "voided"
    refused = e2e_api.post(f"/posts/{pid}/schedule", as_=manager, json={"at": f"{year}-07-01T09:30"})
    assert refused.status_code == 409 and refused.json["error"]["code"] == "not_approved"
    e2e_db.expire_all()
    assert e2e_db.get(ApprovalRequest, rid).status == "voided"
    assert {(t.status, t.scheduled_at) for t in e2e_db.scalars(
        select(PostTarget).where(PostTarget.post_id == pid))} == {("draft", None)}
