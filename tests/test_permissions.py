"""One test walks every route of the URL map with every principal.

The expectation of each route is declared in ``tests/<domain>/expectations.py``;
a route without a declaration fails the test. Allowed principals must not get
401/403; every other principal must (anonymous web pages redirect to login).
Mutating routes are walked on a fresh world per principal, so one principal's
DELETE cannot hide another's refusal.
"""

from __future__ import annotations

import re

from smmflow.testing import database as test_database
from smmflow.testing.client import ApiClient
from smmflow.testing.factories import Factory
from tests.conftest import World
from tests.permissions_kit import PRINCIPALS, collect

ARG = re.compile(r"<(?:[a-z]+:)?([a-z_]+)>")


def _make_world(factory: Factory) -> World:
    a = factory.client(name="Acme", slug="acme")
    b = factory.client(name="Bolt", slug="bolt")
    return World(
        client_a=a, client_b=b, owner=factory.owner(),
        manager=factory.member(a, "manager"), other_manager=factory.member(b, "manager"),
        moderator=factory.member(a, "moderator"), contractor=factory.contractor(),
        client_member=factory.member(a, "client"), other_client=factory.member(b, "client"),
    )


def _refused(resp, principal: str) -> bool:
    if resp.status_code in (401, 403):
        return True
    return principal == "anonymous" and resp.status_code == 302 and "/login" in resp.location


def test_every_route_is_declared_and_enforced(app, db):
    expectations, builders = collect()
    rules = [r for r in app.url_map.iter_rules()]
    undeclared = sorted({r.endpoint for r in rules} - set(expectations))
    assert not undeclared, f"routes without a declared expectation: {undeclared}"
    stale = sorted(set(expectations) - {r.endpoint for r in rules})
    assert not stale, f"expectations for routes that do not exist: {stale}"

    failures: list[str] = []
    checked = 0
    for rule in sorted(rules, key=lambda r: r.rule):
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            allowed = expectations[rule.endpoint]
            mutating = method in {"POST", "PATCH", "PUT", "DELETE"}
            order = sorted(PRINCIPALS, key=lambda p: p in allowed)  # refused ones first
            world = args = None
            for principal in order:
                if world is None or (mutating and method == "DELETE"):
                    db.rollback()
                    db.expunge_all()
                    test_database.clean(app.extensions["smmflow"].engine)
                    factory = Factory(app, db)
                    api = ApiClient(app, factory)
                    world = _make_world(factory)
                    args = {}
                    for build in builders:
                        args.update(build(world, factory))
                url = ARG.sub(lambda m, a=args: str(a[m.group(1)]), rule.rule)
                user = world.principals()[principal]
                body = {} if mutating else None
                resp = api.request(method, url, as_=user, json=body, absolute=True)
                checked += 1
                refused = _refused(resp, principal)
                expected_refused = principal not in allowed
                if refused != expected_refused:
                    failures.append(f"{method} {rule.rule} as {principal}: {resp.status_code} "
                                    f"(expected {'refusal' if expected_refused else 'access'})")
    assert not failures, "\n".join(failures)
    assert checked >= len(rules) * len(PRINCIPALS)
