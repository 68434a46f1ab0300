"""Who may open each page: the rules of the matching API routes, reused.

List pages have no client in their URL; they are open to whoever holds the
API's role for at least one client, and show only those clients' rows.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy.orm import Session

from smmflow.approvals import api as approvals_api
from smmflow.assignments import access as assignments_access
from smmflow.auth.permissions import AUTHENTICATED, Principal, Rule, custom, visible_client_ids
from smmflow.briefs import api as briefs_api
from smmflow.inbox import api as inbox_api
from smmflow.reports import api as reports_api


def _member_somewhere(*roles: str) -> Callable[[Session, Principal, Mapping[str, Any]], bool]:
    def check(db: Session, p: Principal, args: Mapping[str, Any]) -> bool:
        assert p is not None
        if p.is_owner:
            return True
        return not p.is_contractor and bool(visible_client_ids(db, p, roles))

    return check


# posts (calendar) and reports: the API's READ rules are client:manager|client
CALENDAR: Rule = custom("owner, or a manager or client member of a client",
                        _member_somewhere("manager", "client"))
REPORTS: Rule = custom("owner, or a manager or client member of a client",
                       _member_somewhere("manager", "client"))
# inbox: the API's rule is client:manager|moderator
INBOX: Rule = custom("owner, or a manager or moderator of a client",
                     _member_somewhere("manager", "moderator"))
INBOX_ITEM = inbox_api.ITEM_MODERATORS
REPORT_READ = reports_api.READ_ONE
# briefs: managers of the client, and contractors assigned to the brief
BRIEF_LIST = assignments_access.LISTER
BRIEF_READ = briefs_api.READ_ONE
# assignments: a contractor their own, a manager their clients', the owner all
ASSIGNMENT_LIST = assignments_access.LISTER
ASSIGNMENT_READ = assignments_access.PARTY_ONE
ASSIGNMENT_CONTRACTOR = assignments_access.CONTRACTOR_ONE
# approvals: my queue is everyone's; one request is for its client's managers and members
APPROVAL_QUEUE = AUTHENTICATED
APPROVAL_READ = approvals_api.REQUEST_READ
APPROVAL_DECIDE = approvals_api.REQUEST_DECIDE
