from tests.permissions_kit import allow

OWNER_ONLY = allow("owner")

ROUTES = {
    "outbound.list_outbound_webhooks": OWNER_ONLY,
    "outbound.create_outbound_webhook": OWNER_ONLY,
    "outbound.get_outbound_webhook": OWNER_ONLY,
    "outbound.update_outbound_webhook": OWNER_ONLY,
    "outbound.delete_outbound_webhook": OWNER_ONLY,
    "outbound.rotate_outbound_webhook_secret": OWNER_ONLY,
    "outbound.list_deliveries": OWNER_ONLY,
    "outbound.redeliver": OWNER_ONLY,
}


def url_args(world, factory):
    from smmflow.outbound.models import OutboundDelivery, OutboundWebhook

    vault = factory.app.extensions["smmflow"].vault
    hook = OutboundWebhook(url="http://127.0.0.1:9/hook", events=[],
                           secret_encrypted=vault.encrypt({"secret": "whsec_test"}))
    factory.db.add(hook)
    factory.db.flush()
    delivery = OutboundDelivery(webhook_id=hook.id, event="post_published", payload={},
                                status="failed")
    factory.db.add(delivery)
    factory.db.commit()
    return {"webhook_id": hook.id, "delivery_id": delivery.id}
