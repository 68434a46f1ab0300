from tests.permissions_kit import allow

MODERATORS = allow("owner", "manager", "moderator")

ROUTES = {
    "inbox.list_items": MODERATORS,
    "inbox.poll_now": MODERATORS,
    "inbox.get_item": MODERATORS,
    "inbox.update_item": MODERATORS,
    "inbox.act": MODERATORS,
    "inbox.reply": MODERATORS,
    "inbox.list_rules": MODERATORS,
    "inbox.create_rule": allow("owner", "manager"),
    "inbox.update_rule": allow("owner", "manager"),
    "inbox.delete_rule": allow("owner", "manager"),
}


def url_args(world, factory):
    from smmflow.db import utcnow
    from smmflow.inbox.models import InboxItem, ModerationRule

    account = factory.account(world.client_a, "telegram")
    item = InboxItem(client_id=world.client_a.id, social_account_id=account.id,
                     platform="telegram", platform_id="c-1", text="hello",
                     received_at=utcnow(), labels=[])
    rule = ModerationRule(client_id=world.client_a.id, name="spam", condition="contains_link",
                          action="hide")
    factory.db.add_all([item, rule])
    factory.db.commit()
    return {"item_id": item.id, "rule_id": rule.id}
