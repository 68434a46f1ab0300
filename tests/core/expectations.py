"""Access expectations of the framework routes and the web pages."""

from tests.permissions_kit import EVERYONE_SIGNED_IN, PRINCIPALS, allow

ROUTES = {
    "static": allow(*PRINCIPALS),
    "api-docs.openapi_json": allow(*PRINCIPALS),
    "web.login": allow(*PRINCIPALS),
    "web.logout": allow(*EVERYONE_SIGNED_IN),
    "web.home": allow(*EVERYONE_SIGNED_IN),
    "audit.list_events": allow("owner"),
}


def url_args(world, factory):
    return {"filename": "missing.css"}
