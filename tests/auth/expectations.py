from tests.permissions_kit import EVERYONE_SIGNED_IN, PRINCIPALS, allow

ROUTES = {
    "auth.create_token": allow(*PRINCIPALS),
    "auth.list_tokens": allow(*EVERYONE_SIGNED_IN),
    "auth.revoke_token": allow(*EVERYONE_SIGNED_IN),
    "auth.me": allow(*EVERYONE_SIGNED_IN),
    "auth.list_users": allow("owner"),
    "auth.create_user": allow("owner"),
    "auth.get_user": allow("owner", "manager"),
    "auth.update_user": allow("owner", "manager"),
}


def url_args(world, factory):
    # user_id is the manager's own id: the owner and that user may read and edit it.
    return {"user_id": world.manager.id, "token_id": 999_999}
