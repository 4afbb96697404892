"""The real application served by uvicorn on a free local port, in a background thread, for
browser tests. It reads the test database through its own connections, so what a test wants it
to see must be committed (use the ``committed_db`` fixture)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import uvicorn

from comptoir.api import create_app
from comptoir.kit.settings import Settings

START_TIMEOUT_SECONDS = 20.0
STOP_TIMEOUT_SECONDS = 20.0


@dataclass(frozen=True, slots=True)
class LiveServer:
    """A running Comptoir: its base URL (``http://127.0.0.1:<port>``) and its settings."""

    url: str
    settings: Settings

    def at(self, path: str) -> str:
        """The absolute URL of ``path`` on this server."""
        return f"{self.url}{path}"


def live_server_settings(database_url: str, **overrides: object) -> Settings:
    """Settings for a served back office on the test database: no worker in the process
    (the test decides what happens to jobs and events). Pages need a signed-in staff user
    (see :mod:`tests.support.staff`)."""
    values: dict[str, object] = {
        "environment": "test",
        "database_url": database_url,
        "run_worker_in_process": False,
        "log_level": "WARNING",
        **overrides,
    }
    return Settings(_env_file=None, **values)  # type: ignore[arg-type]


@contextmanager
def serve(settings: Settings) -> Iterator[LiveServer]:
    """Serve ``create_app(settings)`` until the block ends. Raises ``RuntimeError`` if the
    server does not start."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        create_app(settings),
        log_level="warning",
        access_log=False,
        lifespan="on",
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name="comptoir-live-server", daemon=True
    )
    thread.start()
    try:
        if not _wait_until_started(server, thread):
            raise RuntimeError("the live server did not start")
        yield LiveServer(url=f"http://127.0.0.1:{port}", settings=settings)
    finally:
        server.should_exit = True
        thread.join(STOP_TIMEOUT_SECONDS)
        sock.close()


def _wait_until_started(server: uvicorn.Server, thread: threading.Thread) -> bool:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while not server.started and thread.is_alive() and time.monotonic() < deadline:
        thread.join(0.05)
    return bool(server.started)
