from tests.permissions_kit import allow

MANAGERS = allow("owner", "manager")
READERS = allow("owner", "manager", "client_member")

ROUTES = {
    "posts.list_posts": READERS,
    "posts.create_post": MANAGERS,
    "posts.get_post": READERS,
    "posts.update_post": MANAGERS,
    "posts.delete_post": MANAGERS,
    "posts.add_target": MANAGERS,
    "posts.update_target": MANAGERS,
    "posts.remove_target": MANAGERS,
    "posts.preflight": MANAGERS,
    "posts.post_diff": READERS,
    "posts.schedule": MANAGERS,
    "posts.unschedule": MANAGERS,
}


def url_args(world, factory):
    account = factory.account(world.client_a, "telegram")
    post = factory.draft_post(world.client_a, created_by=world.manager)
    target = factory.draft_target(post, account)
    return {"post_id": post.id, "target_id": target.id}
