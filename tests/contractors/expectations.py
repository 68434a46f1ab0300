from tests.permissions_kit import allow

ROUTES = {
    "contractors.list_contractors": allow("owner", "manager", "other_manager"),
    "contractors.create_contractor": allow("owner"),
    "contractors.get_contractor": allow("owner", "manager", "other_manager", "contractor"),
    "contractors.update_contractor": allow("owner", "contractor"),
}


def url_args(world, factory):
    from sqlalchemy import select

    from smmflow.contractors.models import ContractorProfile

    profile_id = factory.db.scalar(select(ContractorProfile.id).where(
        ContractorProfile.user_id == world.contractor.id))
    return {"profile_id": profile_id}
