"""Outbound webhooks: every event, signed with HMAC-SHA256, POSTed to subscribers through RQ.

An owner subscribes a URL to some or all events (optionally of one client).
After the transaction that caused an event commits, one delivery row per
matching subscription is written and a job sends it; failures are retried with
backoff, and deliveries lost from Redis are re-derived from the database.
Receivers check ``X-Smmflow-Signature`` (see :mod:`smmflow.outbound.signing`)
and deduplicate by ``X-Smmflow-Delivery`` (delivery is at least once).
"""
