"""Competitor accounts measured from public data with the credentials of the client's own account."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest
import smmflow_testnet.plugin as testnet_plugin
from flask import Flask
from smmflow_testnet.fake import FakeTestnet
from sqlalchemy import select

from smmflow.accounts.models import AccountStatus, SocialAccount
from smmflow.db import open_session
from smmflow.jobs.queues import enqueue
from smmflow.metrics.models import MetricSample
from smmflow.platforms.content import METRICS
from smmflow.testing.client import ApiClient
from smmflow.testing.factories import Factory


@pytest.fixture
def fake() -> Iterator[FakeTestnet]:
    with FakeTestnet() as server:
        yield server


@pytest.fixture
def net_app(make_app: Any, fake: FakeTestnet) -> Flask:
    return make_app(plugins=[testnet_plugin], extra=dict(fake.settings), http_timeout=1.0)


def _collect(app: Flask, run_jobs: Any) -> None:
    enqueue(app, "smmflow.metrics.jobs.collect_all", queue="metrics")
    assert run_jobs(app)


def _samples(db: Any, account_id: int) -> dict[str, int]:
    db.expire_all()
    return {s.metric: s.value for s in db.scalars(
        select(MetricSample).where(MetricSample.social_account_id == account_id))}


def _shown(app: Flask, factory: Factory, account_id: int) -> dict[str, Any]:
    """The account as its client's manager reads it through the API."""
    account = factory.db.get(SocialAccount, account_id)
    manager = factory.member(account.client, "manager")
    resp = ApiClient(app, factory).get(f"/social-accounts/{account_id}", as_=manager)
    assert resp.status_code == 200, resp.json
    return resp.json


def _text(caplog: pytest.LogCaptureFixture) -> str:
    return "\n".join(f"{r.name} {r.getMessage()} {r.exc_text or ''}" for r in caplog.records)


def test_competitor_is_measured_with_the_own_accounts_credentials(net_app, fake, run_jobs,
                                                                  caplog):
    fake.add_public_account("rival-co", 4321)
    with open_session(net_app) as db:
        factory = Factory(net_app, db)
        client = factory.client()
        own = factory.account(client, "testnet", credentials=fake.account_credentials(),
                              external_id="own-brand")
        competitor = factory.account(client, "testnet", handle="rival-co", external_id="rival-co",
                                     is_competitor=True)
        with caplog.at_level(logging.DEBUG):
            _collect(net_app, run_jobs)
        assert _samples(db, competitor.id) == {"followers": 4321}
        rows = list(db.scalars(select(MetricSample).where(
            MetricSample.social_account_id == competitor.id)))
        assert all(r.client_id == client.id and r.post_target_id is None for r in rows)
        own_samples = _samples(db, own.id)
        assert own_samples["followers"] == 1000 and own_samples["followers"] != 4321
        assert set(own_samples) <= METRICS
        db.refresh(own)
        db.refresh(competitor)
        assert own.status == competitor.status == AccountStatus.ACTIVE
        assert competitor.credentials_encrypted is None  # borrowed for the call, never stored
        for row in db.scalars(select(MetricSample)):
            assert fake.token not in f"{row.metric} {row.value}"
    paths = [path for _, path, _ in fake.calls]
    assert "/v1/public/rival-co" in paths  # its public profile, with the own account's token
    assert not [p for p in paths if p.startswith("/v1/accounts/rival-co")]
    assert fake.token not in _text(caplog)


def test_hidden_count_is_absent_and_other_clients_are_not_lenders(net_app, fake, run_jobs):
    fake.add_public_account("shy-rival", None)
    fake.add_public_account("lonely-rival", 77)
    with open_session(net_app) as db:
        factory = Factory(net_app, db)
        client, other = factory.client(), factory.client()
        factory.account(client, "testnet", credentials=fake.account_credentials(),
                        external_id="own-brand")
        shy = factory.account(client, "testnet", handle="shy-rival", external_id="shy-rival",
                              is_competitor=True)
        # the other client has the credentials, but they are not this client's to lend
        factory.account(other, "testnet", credentials=fake.account_credentials(),
                        external_id="other-brand", status=AccountStatus.NEEDS_REAUTH)
        lonely = factory.account(other, "testnet", handle="lonely-rival",
                                 external_id="lonely-rival", is_competitor=True)
        _collect(net_app, run_jobs)
        assert _samples(db, shy.id) == {}  # hidden: absent, never zero
        assert _samples(db, lonely.id) == {}
    assert not [p for _, p, _ in fake.calls if "lonely-rival" in p]


def test_no_lender_means_no_job_and_a_log_line(net_app, fake, run_jobs, caplog):
    fake.add_public_account("rival-co", 4321)
    with open_session(net_app) as db:
        factory = Factory(net_app, db)
        client = factory.client()
        factory.account(client, "testnet", handle="no-creds", external_id="no-creds")
        factory.account(client, "testnet", credentials=fake.account_credentials(),
                        handle="disabled", external_id="disabled", status=AccountStatus.DISABLED)
        competitor = factory.account(client, "testnet", handle="rival-co", external_id="rival-co",
                                     is_competitor=True)
        with caplog.at_level(logging.INFO, logger="smmflow.metrics"):
            enqueue(net_app, "smmflow.metrics.jobs.collect_all", queue="metrics")
            assert run_jobs(net_app)
        assert _samples(db, competitor.id) == {}
        # a job enqueued earlier finds no lender either and says so
        caplog.clear()
        with caplog.at_level(logging.INFO, logger="smmflow.metrics"):
            enqueue(net_app, "smmflow.metrics.jobs.collect_account", competitor.id,
                    queue="metrics")
            assert run_jobs(net_app)
        assert f"competitor account {competitor.id} not measured" in _text(caplog)
        assert "no active testnet account with credentials" in _text(caplog)
        shown = _shown(net_app, factory, competitor.id)
        assert shown["status"] == "active"
        assert shown["status_reason"] == (
            "Not measured: the client has no active testnet account with credentials to read "
            "public data with; connect one (or reactivate it).")
    assert not [p for _, p, _ in fake.calls if "rival-co" in p]


def test_periodic_run_says_why_a_competitor_has_no_lender(net_app, fake, run_jobs):
    with open_session(net_app) as db:
        factory = Factory(net_app, db)
        client = factory.client()
        competitor = factory.account(client, "testnet", handle="rival-co", external_id="rival-co",
                                     is_competitor=True)
        _collect(net_app, run_jobs)  # finds no lender, so enqueues nothing for it
        shown = _shown(net_app, factory, competitor.id)
        assert shown["status"] == "active"
        assert "no active testnet account with credentials" in shown["status_reason"]


def test_refused_credentials_change_no_status(net_app, fake, run_jobs, caplog):
    fake.add_public_account("rival-co", 4321)
    with open_session(net_app) as db:
        factory = Factory(net_app, db)
        client = factory.client()
        own = factory.account(client, "testnet", credentials=fake.account_credentials(),
                              external_id="own-brand")
        competitor = factory.account(client, "testnet", handle="rival-co", external_id="rival-co",
                                     is_competitor=True)
        fake.fail_next("auth", on="profile")
        with caplog.at_level(logging.DEBUG):
            enqueue(net_app, "smmflow.metrics.jobs.collect_account", competitor.id,
                    queue="metrics")
            assert run_jobs(net_app)
        db.refresh(own)
        db.refresh(competitor)
        assert competitor.status == AccountStatus.ACTIVE
        assert own.status == AccountStatus.ACTIVE and own.status_reason is None
        assert _samples(db, competitor.id) == {}
        text = _text(caplog)
        assert f"competitor account {competitor.id} not measured" in text
        assert f"credentials of account {own.id}" in text
        assert fake.token not in text
        # the API says why the competitor has no samples, and names the lender to fix
        shown = _shown(net_app, factory, competitor.id)
        assert shown["status"] == "active"
        assert shown["status_reason"].startswith("Not measured: testnet refused the credentials")
        assert f"account {own.handle} (id {own.id})" in shown["status_reason"]
        assert fake.token not in shown["status_reason"]
        # the refusal is not retried: the next hour's run measures it, and the reason goes
        _collect(net_app, run_jobs)
        assert _samples(db, competitor.id) == {"followers": 4321}
        db.refresh(competitor)
        assert competitor.status_reason is None


def test_unknown_competitor_is_skipped_without_failing(net_app, fake, run_jobs, caplog):
    with open_session(net_app) as db:
        factory = Factory(net_app, db)
        client = factory.client()
        factory.account(client, "testnet", credentials=fake.account_credentials(),
                        external_id="own-brand")
        ghost = factory.account(client, "testnet", handle="gone-rival", external_id="gone-rival",
                                is_competitor=True)
        with caplog.at_level(logging.INFO, logger="smmflow.metrics"):
            _collect(net_app, run_jobs)
        assert _samples(db, ghost.id) == {}
        assert db.scalar(select(SocialAccount.status).where(
            SocialAccount.id == ghost.id)) == AccountStatus.ACTIVE
        assert f"competitor account {ghost.id} not measured" in _text(caplog)
    public_calls = [p for _, p, _ in fake.calls if p == "/v1/public/gone-rival"]
    assert len(public_calls) == 1  # refused once, not retried


def test_unknown_competitor_shows_why_until_it_is_measured(net_app, fake, run_jobs):
    with open_session(net_app) as db:
        factory = Factory(net_app, db)
        client = factory.client()
        own = factory.account(client, "testnet", credentials=fake.account_credentials(),
                              external_id="own-brand")
        ghost = factory.account(client, "testnet", handle="gone-rival", external_id="gone-rival",
                                is_competitor=True)
        _collect(net_app, run_jobs)
        shown = _shown(net_app, factory, ghost.id)
        assert shown["status"] == "active"
        assert shown["status_reason"] == (
            "Not measured: testnet did not show this account's public data: test network: No "
            "public account with this name. Check the handle and external id (the account must "
            "exist and be public).")
        assert _shown(net_app, factory, own.id)["status_reason"] is None
        # the handle turns out right (the account went public): the next run clears the reason
        fake.add_public_account("gone-rival", 42)
        _collect(net_app, run_jobs)
        assert _samples(db, ghost.id) == {"followers": 42}
        shown = _shown(net_app, factory, ghost.id)
        assert shown["status"] == "active" and shown["status_reason"] is None
