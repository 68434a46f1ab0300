"""Every model of the core, imported so that ``Base.metadata`` knows all tables."""

from __future__ import annotations

from smmflow.accounts.models import SocialAccount
from smmflow.approvals.models import ApprovalChain, ApprovalDecision, ApprovalRequest, ApprovalStep
from smmflow.assignments.models import Assignment, Submission
from smmflow.audit.models import AuditEvent
from smmflow.auth.models import ApiToken, User
from smmflow.briefs.models import Brief, TechSpec, TechSpecVersion
from smmflow.budgets.models import BudgetAlert, Revenue
from smmflow.campaigns.models import Campaign
from smmflow.clients.models import Client, Membership
from smmflow.contractors.models import ContractorProfile
from smmflow.db import Base
from smmflow.expenses.models import Expense
from smmflow.inbox.models import InboxItem, InboxReply, ModerationRule
from smmflow.metrics.models import MetricSample
from smmflow.notifications.models import Notification
from smmflow.outbound.models import OutboundDelivery, OutboundWebhook
from smmflow.posts.models import Post, PostTarget, PublishAttempt
from smmflow.reports.models import Report, ReportSchedule

__all__ = [
    "ApiToken",
    "ApprovalChain",
    "ApprovalDecision",
    "ApprovalRequest",
    "ApprovalStep",
    "Assignment",
    "AuditEvent",
    "Base",
    "Brief",
    "BudgetAlert",
    "Campaign",
    "Client",
    "ContractorProfile",
    "Expense",
    "InboxItem",
    "InboxReply",
    "Membership",
    "MetricSample",
    "ModerationRule",
    "Notification",
    "OutboundDelivery",
    "OutboundWebhook",
    "Post",
    "PostTarget",
    "PublishAttempt",
    "Report",
    "ReportSchedule",
    "Revenue",
    "SocialAccount",
    "Submission",
    "TechSpec",
    "TechSpecVersion",
    "User",
]
