from smmflow.posts.content import hash_content
from smmflow.posts.models import Post, PostTarget
from tests.permissions_kit import allow

MANAGERS = allow("owner", "manager")

ROUTES = {
    "publishing.list_post_targets": MANAGERS,
    "publishing.retry_post_target": MANAGERS,
}


def url_args(world, factory):
    account = factory.account(world.client_a, "testnet", credentials={"access_token": "x"})
    digest = hash_content("Hello", "", [], {})
    post = Post(client_id=world.client_a.id, text="Hello", status="scheduled",
                content_hash=digest, approved_hash=digest)
    factory.db.add(post)
    factory.db.flush()
    target = PostTarget(post_id=post.id, social_account_id=account.id, status="failed",
                        content_hash=digest, last_error="rejected")
    factory.db.add(target)
    factory.db.commit()
    return {"post_id": post.id, "target_id": target.id}
