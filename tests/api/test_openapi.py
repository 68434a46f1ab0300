from __future__ import annotations

from openapi_spec_validator import validate


def _api_routes(app):
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/") or rule.endpoint.startswith("api-docs."):
            continue
        path = rule.rule.removeprefix("/api/v1")
        for converter in ("int:", "path:", "string:"):
            path = path.replace("<" + converter, "<")
        path = path.replace("<", "{").replace(">", "}")
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            yield path, method.lower()


def test_openapi_document_is_valid_and_lists_every_route(app):
    resp = app.test_client().get("/api/v1/openapi.json")
    assert resp.status_code == 200
    doc = resp.json
    validate(doc)
    assert doc["openapi"].startswith("3.")
    missing = [(p, m) for p, m in _api_routes(app) if m not in doc["paths"].get("/api/v1" + p, {})
               and m not in doc["paths"].get(p, {})]
    assert not missing, f"routes missing from OpenAPI: {missing}"


def test_openapi_marks_credentials_write_only(app):
    doc = app.test_client().get("/api/v1/openapi.json").json
    schemas = doc["components"]["schemas"]
    account = schemas["SocialAccount"]["properties"]
    assert account["credentials"].get("writeOnly") is True
