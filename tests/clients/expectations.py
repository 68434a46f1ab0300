from tests.permissions_kit import STAFF, allow

ROUTES = {
    "clients.list_clients": allow(*STAFF),
    "clients.create_client": allow("owner"),
    "clients.get_client": allow("owner", "manager", "moderator", "client_member"),
    "clients.update_client": allow("owner"),
    "clients.list_members": allow("owner", "manager"),
    "clients.add_member": allow("owner"),
    "clients.remove_member": allow("owner"),
}


def url_args(world, factory):
    from sqlalchemy import select

    from smmflow.clients.models import Membership

    membership_id = factory.db.scalar(select(Membership.id).where(
        Membership.client_id == world.client_a.id, Membership.user_id == world.client_member.id))
    return {"client_id": world.client_a.id, "membership_id": membership_id}
