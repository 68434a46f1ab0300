"""A fake network's HTTP server on 127.0.0.1, for plugin tests and the demo.

Subclass :class:`FakeServer` and give it a WSGI callable ``_wsgi``::

    class FakeMyNet(FakeServer):
        thread_name = "fake-mynet"

        def _wsgi(self, environ, start_response): ...

    with FakeMyNet() as fake:          # or fake.start(port) / fake.stop()
        ... fake.url ...

The server is threaded and never logs request lines (they can carry tokens).
"""

from __future__ import annotations

import threading
from typing import Any, Self

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server


class QuietHandler(WSGIRequestHandler):
    """A request handler that logs nothing (request lines may carry credentials)."""

    def log_request(self, *args: Any, **kwargs: Any) -> None:
        return None

    def log(self, *args: Any, **kwargs: Any) -> None:
        return None


class FakeServer:
    """Start/stop/context-manager life cycle of a WSGI fake on 127.0.0.1."""

    thread_name = "fake-network"
    poll_interval = 0.05
    _server: BaseWSGIServer | None = None
    _thread: threading.Thread | None = None

    def _wsgi(self, environ: dict[str, Any], start_response: Any) -> Any:
        raise NotImplementedError("a FakeServer subclass serves its network through _wsgi")

    def start(self, port: int = 0) -> Self:
        """Serve on ``port`` (0: a free one) in a daemon thread; returns the fake."""
        self._server = make_server("127.0.0.1", port, self._wsgi, threaded=True,
                                   request_handler=QuietHandler)
        self._server.daemon_threads = True  # type: ignore[attr-defined]
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        args=(self.poll_interval,), name=self.thread_name,
                                        daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """``http://127.0.0.1:<port>`` of the running server."""
        assert self._server is not None, "start the fake first"
        return f"http://127.0.0.1:{self._server.server_port}"
