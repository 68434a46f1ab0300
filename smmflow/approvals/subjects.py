"""What an approval request is about: a post or a contractor submission.

A :class:`Subject` gives the workflow what it needs without knowing the
subject's domain: its client, whose work it is (they never approve it), a
snapshot of its content and that content's hash.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from smmflow.accounts.models import SocialAccount
from smmflow.assignments.models import Assignment, Submission
from smmflow.errors import NotFound
from smmflow.posts.content import content_hash, hash_content
from smmflow.posts.models import Post

POST = "post"
SUBMISSION = "submission"
SUBJECT_TYPES = (POST, SUBMISSION)


@dataclass
class Subject:
    type: str
    id: int
    client_id: int
    authors: frozenset[int]
    content_hash: str
    snapshot: dict[str, Any]
    obj: Post | Submission


def post_snapshot(db: Session, post: Post) -> dict[str, Any]:
    """The content of ``post`` as an approver sees it, targets included."""
    accounts = {a.id: a for a in db.scalars(select(SocialAccount).where(
        SocialAccount.id.in_([t.social_account_id for t in post.targets])))}
    return {
        "title": post.title or "", "text": post.text or "", "media": list(post.media or []),
        "options": dict(post.options or {}),
        "targets": [{"target_id": t.id, "social_account_id": t.social_account_id,
                     "platform": accounts[t.social_account_id].platform,
                     "handle": accounts[t.social_account_id].handle,
                     "options": dict(t.options or {})} for t in post.targets],
    }


def submission_snapshot(sub: Submission) -> dict[str, Any]:
    return {"title": "", "text": sub.text or "", "media": list(sub.media or []), "options": {},
            "note": sub.note or "", "assignment_id": sub.assignment_id, "number": sub.number}


def load(db: Session, subject_type: str, subject_id: int) -> Subject:
    """The subject, or 404."""
    if subject_type == POST:
        post = db.get(Post, subject_id)
        if post is None:
            raise NotFound(f"No post {subject_id}.")
        authors = frozenset({post.created_by_id} - {None})
        return Subject(POST, post.id, post.client_id, authors,  # type: ignore[arg-type]
                       content_hash(post), post_snapshot(db, post), post)
    if subject_type == SUBMISSION:
        sub = db.get(Submission, subject_id)
        assignment = db.get(Assignment, sub.assignment_id) if sub is not None else None
        if sub is None or assignment is None:
            raise NotFound(f"No submission {subject_id}.")
        authors = frozenset({assignment.contractor_id, sub.created_by_id} - {None})
        return Subject(SUBMISSION, sub.id, assignment.client_id, authors,  # type: ignore[arg-type]
                       hash_content(sub.text, "", sub.media, {}), submission_snapshot(sub), sub)
    raise NotFound(f"Unknown subject type {subject_type!r}.")
