"""Access expectations of the web pages of each role's daily work.

The URL ids (``brief_id``, ``assignment_id``, ``approval_request_id``,
``item_id``, ``report_id``) come from the ``url_args`` of the matching domain
expectations: the same objects of client A the API routes are walked with.
"""

from tests.permissions_kit import EVERYONE_SIGNED_IN, allow

# the API's rules, one client or any client the principal works for
POST_READERS = allow("owner", "manager", "other_manager", "client_member", "other_client")
CLIENT_A_READERS = allow("owner", "manager", "client_member")
LISTERS = allow("owner", "manager", "other_manager", "contractor")
PARTIES = allow("owner", "manager", "contractor")
MODERATORS = allow("owner", "manager", "other_manager", "moderator")
CLIENT_A_MODERATORS = allow("owner", "manager", "moderator")

ROUTES = {
    "web.calendar": POST_READERS,
    "web.briefs": LISTERS,
    "web.brief": PARTIES,  # the contractor is assigned to client A's brief
    "web.assignments": LISTERS,
    "web.assignment": PARTIES,
    "web.accept_assignment": allow("contractor"),
    "web.decline_assignment": allow("contractor"),
    "web.approvals": allow(*EVERYONE_SIGNED_IN),
    "web.approval": CLIENT_A_READERS,
    "web.decide_approval": CLIENT_A_READERS,
    "web.inbox": MODERATORS,
    "web.inbox_item": CLIENT_A_MODERATORS,
    "web.inbox_reply": CLIENT_A_MODERATORS,
    "web.inbox_moderate": CLIENT_A_MODERATORS,
    "web.reports": POST_READERS,
    "web.report_html": CLIENT_A_READERS,
    "web.report_csv": CLIENT_A_READERS,
}
