"""The embedded redis-server: shared by the processes of one install, never orphaned."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil
import pytest
import redis

from smmflow.jobs.embedded import EmbeddedRedis
from smmflow.jobs.queues import connect, redis_connection
from tests.jobs.kit import wait_until


@pytest.fixture
def folder():
    path = Path(tempfile.mkdtemp(prefix="h2r-", dir="/tmp"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


def server_pid(url: str) -> int:
    return int(redis.Redis.from_url(url).info("server")["process_id"])


def test_start_share_and_stop(folder):
    owner = EmbeddedRedis(folder)
    url = owner.start()
    assert url == f"unix://{folder / 'redis.sock'}" and owner.owned
    assert redis.Redis.from_url(url).ping()
    pid = server_pid(url)
    other = EmbeddedRedis(folder)
    assert other.start() == url and not other.owned  # shared, not a second server
    other.stop()  # not its server: nothing happens
    assert redis.Redis.from_url(url).ping()
    owner.stop()
    assert not owner.socket.exists()
    wait_until(lambda: not psutil.pid_exists(pid) or psutil.Process(pid).status() == "zombie", 5)


def test_processes_starting_together_share_one_server(folder):
    servers = [EmbeddedRedis(folder) for _ in range(4)]
    barrier = threading.Barrier(len(servers))

    def start(server: EmbeddedRedis) -> None:
        barrier.wait()
        server.start()

    threads = [threading.Thread(target=start, args=(s,)) for s in servers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    try:
        assert sum(s.owned for s in servers) == 1
    finally:
        for s in servers:
            s.stop()


def test_a_long_folder_gets_a_short_socket_path(tmp_path):
    deep = tmp_path / ("x" * 60) / ("y" * 60)
    server = EmbeddedRedis(deep)
    assert len(str(server.socket)) < 100 and server.socket.parent == Path(tempfile.gettempdir())
    assert EmbeddedRedis(deep).socket == server.socket  # the same for every process


def test_the_server_dies_with_the_process_that_started_it(folder):
    script = (f"from smmflow.jobs.embedded import EmbeddedRedis; import time; "
              f"print(EmbeddedRedis({str(folder)!r}).start(), flush=True); time.sleep(60)")
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE)
    url = proc.stdout.readline().decode().strip()
    pid = server_pid(url)
    proc.kill()  # SIGKILL: no clean-up code runs in the owner
    proc.wait()
    wait_until(lambda: not psutil.pid_exists(pid) or psutil.Process(pid).status() == "zombie", 10,
               message="redis-server to exit with its parent")


def test_an_app_without_redis_url_uses_the_install_server(make_app, folder):
    app = make_app(plugins=[], redis_url=None, instance_path=folder)
    server = connect(app)
    try:
        assert server is not None and server.owned
        assert redis_connection(app).ping()
        second = make_app(plugins=[], redis_url=None, instance_path=folder)
        assert connect(second) is not None and redis_connection(second).info("server")[
            "process_id"] == redis_connection(app).info("server")["process_id"]
    finally:
        server.stop()


def test_started_from_a_short_lived_thread_it_lives_as_long_as_the_process(folder):
    server = EmbeddedRedis(folder)
    urls: list[str] = []
    thread = threading.Thread(target=lambda: urls.append(server.start()))  # e.g. a web request
    thread.start()
    thread.join()
    time.sleep(0.5)  # the starting thread is gone; the server must not be
    try:
        assert redis.Redis.from_url(urls[0]).ping()
    finally:
        server.stop()
    assert not server.socket.exists()
