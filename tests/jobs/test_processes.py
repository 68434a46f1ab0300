"""``smmflow worker``, ``smmflow dispatcher`` and ``smmflow run`` as real processes."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import httpx
import psutil
import pytest
from smmflow_testnet.fake import FakeTestnet

from smmflow import migrate
from smmflow.db import make_engine, open_session, utcnow
from tests.jobs.kit import (
    Processes,
    assert_exactly_once,
    attempts_of,
    make_targets,
    net_app,
    process_env,
    settled,
    wait_until,
)

CLI = [sys.executable, "-c", "from smmflow.cli import main; main()"]


@pytest.fixture
def fake():
    with FakeTestnet() as server:
        yield server


@pytest.fixture
def papp(make_app, fake):
    return net_app(make_app, fake)


@pytest.fixture
def pdb(papp):
    with open_session(papp) as session:
        yield session


@pytest.fixture
def procs(papp, tmp_path):
    processes = Processes(papp, tmp_path)
    yield processes
    processes.stop_all()


def test_dispatcher_once_and_a_burst_worker_publish_end_to_end(papp, pdb, fake):
    data = make_targets(papp, pdb, fake, 20, accounts=5)
    env = process_env(papp)
    out = subprocess.run([*CLI, "dispatcher", "--once"], env=env, capture_output=True, timeout=60)
    assert out.returncode == 0, out.stderr.decode()
    assert b"dispatched 20 target(s)" in out.stdout
    out = subprocess.run([*CLI, "worker", "--burst", "--queues", "publish", "--name", "burst-1"],
                         env=env, capture_output=True, timeout=60)
    assert out.returncode == 0, out.stderr.decode()
    assert assert_exactly_once(pdb, fake, data.target_ids) == {"published": 20}
    assert attempts_of(pdb, data.target_ids[0])[0].worker == "burst-1"


def test_worker_refuses_unknown_queues(papp):
    out = subprocess.run([*CLI, "worker", "--queues", "publish,urgent"], env=process_env(papp),
                         capture_output=True, timeout=60)
    assert out.returncode == 2 and b"unknown queue(s) urgent" in out.stderr


def test_long_running_worker_and_dispatcher_publish_due_posts(papp, pdb, fake, procs):
    procs.worker()
    procs.dispatcher()
    due = utcnow() + dt.timedelta(seconds=2)
    data = make_targets(papp, pdb, fake, 30, accounts=10, due=due)
    # the fake holds a post a moment before the worker records it: wait for both
    wait_until(lambda: fake.count() == 30 and settled(pdb, data.target_ids), 30,
               message=f"30 posts recorded\n{procs.logs()}")
    assert assert_exactly_once(pdb, fake, data.target_ids) == {"published": 30}
    assert min(p["received_at"] for p in fake.posts) >= due.timestamp()  # never early


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.parametrize("stop_signal", [signal.SIGINT, signal.SIGTERM])
def test_run_starts_the_tree_and_a_signal_stops_all_of_it(stop_signal):
    instance = Path(tempfile.mkdtemp(prefix="h2run-", dir="/tmp"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("SMMFLOW_")}
    env.update({"SMMFLOW_INSTANCE_PATH": str(instance), "SMMFLOW_PLUGINS": "testnet",
                "SMMFLOW_SECRET_KEY": "run-test-secret-key-0123456789",
                "SMMFLOW_ENCRYPTION_KEY": "7Gqm1XH7yjpQ0yJ7nUFa0WbO4N6m7W0aH2eM0mRrN0Q="})
    try:
        migrate.upgrade(make_engine(f"sqlite:///{instance / 'smmflow.sqlite3'}"))
        port = free_port()
        proc = subprocess.Popen([*CLI, "run", "--port", str(port)], env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        tree: dict[int, str] = {}
        try:
            def up() -> bool:
                try:
                    ok = httpx.get(f"http://127.0.0.1:{port}/login", timeout=1).status_code == 200
                except httpx.HTTPError:
                    return False
                kids = psutil.Process(proc.pid).children(recursive=True)
                tree.update({k.pid: " ".join(k.cmdline()) for k in kids})
                return ok and any("redis-server" in c for c in tree.values()) and any(
                    c.endswith(" worker") for c in tree.values()) and any(
                    c.endswith(" dispatcher") for c in tree.values())

            wait_until(up, 60, interval=0.3, message="smmflow run to serve /login")
            proc.send_signal(stop_signal)
            code = proc.wait(timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
        output = proc.stdout.read().decode(errors="replace")
        assert code == 0, output
        alive = [f"{pid}: {cmd}" for pid, cmd in tree.items()
                 if psutil.pid_exists(pid) and psutil.Process(pid).status() != psutil.STATUS_ZOMBIE]
        assert not alive, f"left running: {alive}\n{output}"
        assert len(tree) >= 4  # redis-server, web, worker (+ its RQ scheduler), dispatcher
        assert not (instance / "redis" / "redis.sock").exists()
        assert "Traceback" not in output, output
    finally:
        shutil.rmtree(instance, ignore_errors=True)
