from tests.permissions_kit import allow

ROUTES = {
    "campaigns.list_campaigns": allow("owner", "manager", "client_member"),
    "campaigns.create_campaign": allow("owner", "manager"),
    "campaigns.get_campaign": allow("owner", "manager", "client_member"),
    "campaigns.update_campaign": allow("owner", "manager"),
    "campaigns.delete_campaign": allow("owner", "manager"),
}


def url_args(world, factory):
    return {"campaign_id": factory.campaign(world.client_a).id}
