"""The assignment state machine (PRODUCT.md §2), as data.

::

    offered ─accept→ accepted ─submit→ submitted ─accept work→ done
       │                  ▲                │
       └─decline→ declined└─resubmit── revision_requested
    any state before done ─cancel→ cancelled

Each action belongs to one side: the ``contractor`` of the assignment, or the
``agency`` (the owner and managers of the assignment's client). ``acknowledge``
is no transition: it confirms a spec version that changed after acceptance,
and submitting waits for it.
"""

from __future__ import annotations

from dataclasses import dataclass

from smmflow.assignments.models import Assignment, AssignmentState

S = AssignmentState
CONTRACTOR = "contractor"
AGENCY = "agency"


@dataclass(frozen=True)
class Transition:
    name: str
    sources: frozenset[str]
    target: str
    side: str


TRANSITIONS: dict[str, Transition] = {t.name: t for t in (
    Transition("accept", frozenset({S.OFFERED}), S.ACCEPTED, CONTRACTOR),
    Transition("decline", frozenset({S.OFFERED}), S.DECLINED, CONTRACTOR),
    Transition("submit", frozenset({S.ACCEPTED}), S.SUBMITTED, CONTRACTOR),
    Transition("resubmit", frozenset({S.REVISION_REQUESTED}), S.SUBMITTED, CONTRACTOR),
    Transition("request_revision", frozenset({S.SUBMITTED}), S.REVISION_REQUESTED, AGENCY),
    Transition("accept_work", frozenset({S.SUBMITTED}), S.DONE, AGENCY),
    Transition("cancel", frozenset({S.OFFERED, S.ACCEPTED, S.SUBMITTED, S.REVISION_REQUESTED}),
               S.CANCELLED, AGENCY),
)}
ACKNOWLEDGE = "acknowledge"
ACTIONS = (*TRANSITIONS, ACKNOWLEDGE)
TERMINAL = frozenset({S.DONE, S.DECLINED, S.CANCELLED})
WORKING = frozenset({S.ACCEPTED, S.SUBMITTED, S.REVISION_REQUESTED})
SUBMIT_ACTIONS = frozenset({"submit", "resubmit"})


def pending_acknowledgement(assignment: Assignment) -> bool:
    """The spec changed after the contractor accepted, and they have not confirmed it yet."""
    return assignment.state in WORKING and \
        assignment.acknowledged_spec_version_id != assignment.spec_version_id


def action_side(action: str) -> str:
    return CONTRACTOR if action == ACKNOWLEDGE else TRANSITIONS[action].side


def allowed_actions(assignment: Assignment, side: str | None = None) -> list[str]:
    """Actions legal now (for ``side``, or for anyone when None), in a stable order."""
    pending = pending_acknowledgement(assignment)
    names = []
    for name in ACTIONS:
        if side is not None and action_side(name) != side:
            continue
        if name == ACKNOWLEDGE:
            if pending:
                names.append(name)
        elif assignment.state in TRANSITIONS[name].sources and \
                not (pending and name in SUBMIT_ACTIONS):
            names.append(name)
    return names
