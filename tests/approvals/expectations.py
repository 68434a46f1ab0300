from tests.permissions_kit import EVERYONE_SIGNED_IN, PRINCIPALS, allow

OWNER = allow("owner")
MANAGERS = allow("owner", "manager")
READERS = allow("owner", "manager", "client_member")

ROUTES = {
    "approvals.list_chains": MANAGERS,
    "approvals.create_chain": OWNER,
    "approvals.get_chain": MANAGERS,
    "approvals.update_chain": OWNER,
    "approvals.delete_chain": OWNER,
    "approvals.request_post_approval": MANAGERS,
    "approvals.request_submission_approval": MANAGERS,
    "approvals.list_requests": READERS,
    "approvals.my_queue": allow(*EVERYONE_SIGNED_IN),
    "approvals.get_request": READERS,
    "approvals.request_diff": READERS,
    "approvals.decide": READERS,
    "approvals.withdraw": MANAGERS,
    "approvals.create_link": MANAGERS,
    # public: the signature of the link is the permission
    "signoff.show": allow(*PRINCIPALS),
    "signoff.decide": allow(*PRINCIPALS),
}


def url_args(world, factory):
    import datetime as dt

    from smmflow.approvals import links
    from smmflow.approvals.models import ApprovalRequest
    from smmflow.assignments.models import Assignment, Submission
    from smmflow.briefs.models import Brief
    from smmflow.db import utcnow

    db = factory.db
    chain = factory.approval_chain(world.client_a, [
        {"name": "Client", "approver_role": "client"}])
    post = factory.draft_post(world.client_a, created_by=world.manager, status="in_approval")
    request = ApprovalRequest(
        client_id=world.client_a.id, chain_id=chain.id, subject_type="post", subject_id=post.id,
        content_hash=post.content_hash, snapshot={"text": post.text, "title": "", "media": [],
                                                  "options": {}, "targets": []},
        steps=[{"position": 1, "name": "Client", "approver_role": "client",
                "approver_user_ids": [], "mode": "any", "sla_hours": None}],
        status="pending", current_step=1, created_by_id=world.manager.id)
    brief = Brief(client_id=world.client_a.id, title="Brief")
    db.add_all([request, brief])
    db.flush()
    assignment = Assignment(client_id=world.client_a.id, brief_id=brief.id,
                            contractor_id=world.contractor.id, fee_minor=100, currency="EUR",
                            due_at=utcnow() + dt.timedelta(days=1), state="submitted")
    db.add(assignment)
    db.flush()
    submission = Submission(assignment_id=assignment.id, number=1, text="Copy")
    db.add(submission)
    db.commit()
    return {"chain_id": chain.id, "approval_request_id": request.id, "submission_id": submission.id,
            "link_token": links.sign(factory.app, request, world.client_member.id)}
