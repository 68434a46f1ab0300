"""Every hook of smmflow, documented: each docstring is the hook's reference.

Families (STYLE.md):

* **Registration** — ``register_*`` return things to register. Called once per
  app at start-up (``register_cli_commands`` once per command line run).
* **Events** — ``on_*`` tell plugins what happened. They are fired only after
  the database transaction that caused them commits (never after a rollback),
  through :func:`smmflow.events.emit`; return values are ignored. A plugin that
  raises is logged with its name and the other plugins still hear the event.
  An event handler that writes to the database opens its own session
  (:func:`smmflow.db.session` works: each event runs in a fresh app context).
* **Broadcast** — ``check_*`` and ``classify_*``: every plugin may answer; the
  core collects the answers with :func:`smmflow.plugins.collect` (lists are
  flattened, ``None`` ignored, a plugin that raises is logged and skipped).
* **Resolution** — ``firstresult`` hooks ask "who handles this?": the first
  plugin returning something other than ``None`` wins; the core's default
  answers last.

Every hook takes keyword arguments only; an implementation may accept any
subset of them. A hook grows by adding arguments, never by changing one.
Implement a hook with :data:`smmflow.plugin_api.hookimpl`::

    from smmflow.plugin_api import hookimpl

    @hookimpl
    def on_post_published(post_id, url):
        ...
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pluggy

hookspec = pluggy.HookspecMarker("smmflow")

FAMILIES = ("registration", "event", "broadcast", "resolution")


# -- registration ------------------------------------------------------------------------
@hookspec
def register_platforms() -> list[Any]:
    """Return the :class:`~smmflow.plugin_api.Platform` instances this plugin provides.

    One platform name has exactly one provider: two plugins returning the same
    ``Platform.name`` stop the app at start-up with an error naming both.
    Called once when the app is built; the platforms are then in
    ``app.extensions["smmflow"].platforms``.
    """


@hookspec
def register_notification_channels() -> list[Any]:
    """Return :class:`~smmflow.plugin_api.NotificationChannel` instances (e-mail, chat...).

    A channel has a unique ``name`` and a ``deliver(app, notice)`` method; the
    core ships ``in_app`` and ``email``. Which channels a notice goes through is
    decided by :func:`notification_channels_for`. A channel name claimed twice
    stops the app at start-up.
    """


@hookspec
def register_report_sections() -> list[Any]:
    """Return extra report sections (``ReportSection`` of :mod:`smmflow.reports`).

    Sections are appended to every client report after the core's sections,
    in plugin registration order.
    """


@hookspec
def register_blueprints() -> list[Any]:
    """Return Flask blueprints to mount in the app.

    A :class:`smmflow.api.Blueprint` (flask-smorest) is mounted under
    ``/api/v1`` and documented in the OpenAPI document; a plain
    ``flask.Blueprint`` is mounted at its own ``url_prefix`` and keeps CSRF
    protection. Every view must declare its permission with
    :func:`smmflow.auth.permissions.requires`: a route without one stops the
    app at start-up with an error naming the plugin.
    """


@hookspec
def register_cli_commands(cli: Any) -> None:
    """Add commands to the ``smmflow`` command line.

    ``cli`` is the root :class:`click.Group`; call ``cli.add_command(...)`` or
    decorate functions with ``@cli.command()``. Commands needing the app build
    it with :func:`smmflow.cli.context.make_app`.
    """


@hookspec
def register_periodic_jobs() -> list[Any]:
    """Return ``PeriodicJob`` entries (:mod:`smmflow.jobs.periodic`) to run on a schedule.

    ``PeriodicJob(name, func, every_seconds, queue)``: ``func`` is the dotted
    path of a module-level job function taking no arguments; names are unique.
    """


# -- events (after commit) ---------------------------------------------------------------
@hookspec
def on_assignment_offered(assignment_id: int, client_id: int, contractor_id: int) -> None:
    """A contractor was offered an assignment.

    The default notifications plugin tells the contractor.
    """


@hookspec
def on_assignment_changed(assignment_id: int, client_id: int, contractor_id: int,
                          old_state: str, new_state: str) -> None:
    """An assignment moved from ``old_state`` to ``new_state``.

    States are those of :class:`smmflow.assignments.models.AssignmentState`.
    The default notifications plugin tells the client's managers when the
    contractor accepts or declines, and the contractor when a revision is
    requested, the work is done or the assignment is cancelled.
    """


@hookspec
def on_assignment_overdue(assignment_id: int, client_id: int, contractor_id: int,
                          due_at: dt.datetime, kind: str) -> None:
    """An assignment is due soon (``kind="due_soon"``) or past due (``kind="overdue"``).

    ``due_at`` is timezone-aware UTC. Fired once per assignment and kind by the
    periodic reminder. The default notifications plugin tells the contractor,
    and the managers too when it is overdue.
    """


@hookspec
def on_submission_received(submission_id: int, assignment_id: int, client_id: int,
                           check_passed: bool) -> None:
    """A contractor submitted work; ``check_passed`` is the automatic check against the spec.

    The default notifications plugin tells the client's managers.
    """


@hookspec
def on_approval_requested(request_id: int, client_id: int, subject_type: str, subject_id: int,
                          step_position: int) -> None:
    """An approval request reached step ``step_position`` (1-based) and waits for its approvers.

    ``subject_type`` is ``"post"`` or ``"submission"``. Fired when a request
    starts and each time it moves to the next step. The default notifications
    plugin tells the approvers of that step.
    """


@hookspec
def on_approval_decided(request_id: int, client_id: int, subject_type: str, subject_id: int,
                        decision: str, step_position: int, author_id: int | None,
                        final: bool) -> None:
    """Someone (``author_id``, the decider) decided at step ``step_position``.

    ``decision`` is ``approve``, ``request_changes`` or ``reject``; ``final`` is
    true when the decision closed the request. When the request closes (or
    anything but an approval is decided) the default notifications plugin tells
    whoever asked for the approval, the subject's authors and the client's
    managers, except the decider.
    """


@hookspec
def on_approval_sla_breached(request_id: int, client_id: int, step_position: int) -> None:
    """Step ``step_position`` of a pending request is past its SLA.

    The default notifications plugin tells the client's managers and the owners.
    """


@hookspec
def on_post_published(target_id: int, post_id: int, client_id: int, platform: str,
                      external_id: str, url: str | None) -> None:
    """One target of a post went out: ``external_id`` and ``url`` on ``platform``."""


@hookspec
def on_post_failed(target_id: int, post_id: int, client_id: int, platform: str, state: str,
                   reason: str) -> None:
    """One target of a post ended ``failed`` or ``unknown`` (``state``) and needs a person.

    ``reason`` is the platform's or the engine's message. The default
    notifications plugin tells the client's managers.
    """


@hookspec
def on_inbox_item_received(item_id: int, client_id: int, platform: str) -> None:
    """A new comment or message arrived in the client's inbox (after classification)."""


@hookspec
def on_inbox_sla_breached(item_id: int, client_id: int) -> None:
    """An inbox item waited longer than the client's answer SLA.

    The default notifications plugin tells the client's managers and moderators,
    and the owners.
    """


@hookspec
def on_budget_threshold_crossed(client_id: int, threshold_percent: int, spent_minor: int,
                                budget_minor: int) -> None:
    """A client's spend this month crossed ``threshold_percent`` of its monthly budget.

    Fired once per client, month and threshold (thresholds are the client's
    ``budget_alert_percents``, default 80 and 100). Amounts are minor units of
    the client's currency.
    """


# -- broadcast ---------------------------------------------------------------------------
@hookspec
def check_content(content: Any, platforms: list[str], client_id: int) -> list[Any]:
    """Return extra :class:`~smmflow.plugin_api.Problem` items for ``content`` (brand safety).

    ``content`` is a :class:`~smmflow.plugin_api.Content` about to go to
    ``platforms`` (names) for client ``client_id``. Called in the editor's
    preflight and before approval; an empty list means no objection. Problems
    of every plugin are shown together.
    """


@hookspec
def classify_comment(item: Any, client_id: int) -> list[str]:
    """Return labels for an incoming comment (``spam``, ``question``, ``complaint``...).

    ``item`` is an :class:`~smmflow.plugin_api.InboxItemData`. Labels of every
    plugin are merged; inbox rules match on them.

    Runs while the comment is stored: inside a polling job, and inside the
    request of a network pushing to a webhook (which waits for the answer and
    retries on a slow one). Keep it fast and local; a classifier that needs a
    remote service should return quickly and label later through the API.
    """


# -- resolution (firstresult) -------------------------------------------------------------
@hookspec(firstresult=True)
def notification_channels_for(user_id: int, kind: str) -> list[str] | None:
    """Return the names of the channels that deliver a ``kind`` notification to ``user_id``.

    The first plugin that returns a list (even an empty one) decides; return
    ``None`` to let the next plugin answer. The core's default (last) answers
    ``["in_app", "email"]``. ``kind`` is the notification kind, e.g.
    ``assignment_offered`` or ``post_failed``.
    """
