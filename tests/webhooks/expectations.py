from tests.permissions_kit import PRINCIPALS, allow

ROUTES = {
    # public: the network's secret, checked by the platform plugin, is the permission
    "webhooks.receive": allow(*PRINCIPALS),
    "webhooks.register": allow("owner", "manager"),
}


def url_args(world, factory):
    # account_id: the telegram account of client A made by tests/accounts/expectations.py
    return {"platform": "telegram"}
