from tests.permissions_kit import allow

ROUTES = {
    "accounts.list_accounts": allow("owner", "manager", "moderator"),
    "accounts.create_account": allow("owner", "manager"),
    "accounts.get_account": allow("owner", "manager", "moderator"),
    "accounts.update_account": allow("owner", "manager"),
    "accounts.delete_account": allow("owner", "manager"),
}


def url_args(world, factory):
    account = factory.account(world.client_a, "telegram", credentials={"bot_token": "1:x"})
    return {"account_id": account.id}
