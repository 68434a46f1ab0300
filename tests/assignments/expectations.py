from tests.permissions_kit import allow

PARTIES = allow("owner", "manager", "contractor")
AGENCY = allow("owner", "manager")
CONTRACTOR = allow("contractor")

ROUTES = {
    "assignments.list_assignments": allow("owner", "manager", "other_manager", "contractor"),
    "assignments.list_brief_assignments": AGENCY,
    "assignments.offer": AGENCY,
    "assignments.get_assignment": PARTIES,
    "assignments.update_assignment": AGENCY,
    "assignments.accept": CONTRACTOR,
    "assignments.decline": CONTRACTOR,
    "assignments.acknowledge": CONTRACTOR,
    "assignments.submit": CONTRACTOR,
    "assignments.resubmit": CONTRACTOR,
    "assignments.request_revision": AGENCY,
    "assignments.accept_work": AGENCY,
    "assignments.cancel": AGENCY,
    "assignments.list_submissions": PARTIES,
    "submissions.get_submission": PARTIES,
    "submissions.download_file": PARTIES,
    "scorecards.get_scorecard": allow("owner", "manager", "other_manager", "contractor"),
}


def url_args(world, factory):
    brief = factory.brief(world.client_a)
    assignment = factory.assignment(brief, world.contractor, state="submitted")
    submission = factory.submission(assignment)
    return {"assignment_id": assignment.id, "submission_id": submission.id, "sha256": "0" * 64}
