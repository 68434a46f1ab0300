from tests.permissions_kit import allow

ROUTES = {
    "briefs.list_briefs": allow("owner", "manager"),
    "briefs.create_brief": allow("owner", "manager"),
    "briefs.get_brief": allow("owner", "manager", "contractor"),
    "briefs.update_brief": allow("owner", "manager"),
    "briefs.delete_brief": allow("owner", "manager"),
    "briefs.get_spec": allow("owner", "manager", "contractor"),
    "briefs.put_spec": allow("owner", "manager"),
    "briefs.list_spec_versions": allow("owner", "manager", "contractor"),
    "briefs.get_spec_version": allow("owner", "manager", "contractor"),
}


def url_args(world, factory):
    brief = factory.brief(world.client_a)
    factory.assignment(brief, world.contractor)  # the contractor may read what is offered to them
    return {"brief_id": brief.id, "number": 1}
