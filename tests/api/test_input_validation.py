"""Every create and update endpoint validates its JSON body at the boundary.

Driven by the OpenAPI document, so new endpoints are covered without editing
this file: an unknown field, a wrong type, a missing required field and an
over-long string answer 422 naming the field; malformed JSON answers 400; and
nothing is written (row counts of every table, audit log included, unchanged).
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from smmflow.db import Base
from smmflow.testing.client import ApiClient
from tests.permissions_kit import collect
from tests.test_permissions import _make_world

ARG = re.compile(r"\{([a-z_]+)\}")


def _resolve(schema, doc):
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = doc["components"]["schemas"][name]
    return schema


def _json_body_routes(doc):
    for path, item in doc["paths"].items():
        for method, op in item.items():
            if method not in {"post", "patch", "put"}:
                continue
            content = (op.get("requestBody") or {}).get("content", {})
            if "application/json" not in content:
                continue
            schema = _resolve(content["application/json"]["schema"], doc)
            if schema.get("type") == "object" and schema.get("properties"):
                yield path, method, op.get("operationId"), schema


def _row_counts(db):
    import smmflow.models  # noqa: F401

    return {t.name: db.scalar(select(func.count()).select_from(t))
            for t in Base.metadata.sorted_tables}


def _endpoint_for(app, path, method):
    adapter = app.url_map.bind("localhost")
    concrete = ARG.sub("1", path)
    endpoint, _ = adapter.match(concrete, method=method.upper())
    return endpoint


def _cases(schema):
    props = schema["properties"]
    yield "unknown", {"definitely_not_a_field": 1}, "definitely_not_a_field"
    for name, prop in props.items():
        if prop.get("readOnly"):
            continue
        if prop.get("type") == "string" and "enum" not in prop:
            yield "wrong_type", {name: 12345}, name
        elif prop.get("type") in ("integer", "number"):
            yield "wrong_type", {name: "not-a-number"}, name
        elif prop.get("type") == "boolean":
            yield "wrong_type", {name: "maybe"}, name
        elif prop.get("type") == "array":
            yield "wrong_type", {name: "not-a-list"}, name
        if prop.get("type") == "string" and prop.get("maxLength"):
            yield "too_long", {name: "x" * (prop["maxLength"] + 1)}, name
    for name in schema.get("required", []):
        yield "missing", {}, name


def test_every_json_endpoint_validates_and_writes_nothing(app, db):
    doc = app.test_client().get("/api/v1/openapi.json").json
    expectations, builders = collect()
    routes = list(_json_body_routes(doc))
    assert len(routes) >= 10, "expected the API's create/update endpoints in the document"
    from smmflow.testing.factories import Factory

    factory = Factory(app, db)
    api = ApiClient(app, factory)
    world = _make_world(factory)
    args = {}
    for build in builders:
        args.update(build(world, factory))
    principals = world.principals()
    for user in principals.values():
        if user is not None:
            api.token_for(user)  # issue tokens before counting rows
    failures = []
    checked = 0
    for path, method, _op, schema in routes:
        endpoint = _endpoint_for(app, path, method)
        allowed = [p for p in ("owner", "manager", "contractor", "client_member", "moderator")
                   if p in expectations.get(endpoint, ())]
        if not allowed:
            continue
        user = principals[allowed[0]]
        url = ARG.sub(lambda m: str(args[m.group(1)]), path)
        db.rollback()
        before = _row_counts(db)
        resp = api.request(method.upper(), url, as_=user, data="{not json",
                           headers={"Content-Type": "application/json"})
        if resp.status_code != 400 or "error" not in (resp.json or {}):
            failures.append(f"{method} {path} malformed JSON: {resp.status_code}")
        for case, body, field in _cases(schema):
            resp = api.request(method.upper(), url, as_=user, json=body)
            checked += 1
            fields = ((resp.json or {}).get("error") or {}).get("details", {}).get("fields", {})
            if resp.status_code != 422 or field not in fields:
                failures.append(f"{method} {path} {case} {field!r}: {resp.status_code} {resp.json}")
            elif field not in resp.json["error"]["message"]:
                failures.append(f"{method} {path} {case}: message does not name {field!r}")
        db.rollback()
        after = _row_counts(db)
        changed = {t: (before[t], after[t]) for t in before if before[t] != after[t]}
        if changed:
            failures.append(f"{method} {path} wrote rows on bad input: {changed}")
    assert checked > 0
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("path", ["/clients", "/users"])
def test_validation_error_envelope(api, factory, path):
    owner = factory.owner()
    resp = api.post(path, as_=owner, json={"name": "x" * 500, "surprise": True})
    assert resp.status_code == 422
    err = resp.json["error"]
    assert err["code"] == "validation_failed"
    assert {"name", "surprise"} <= set(err["details"]["fields"])
