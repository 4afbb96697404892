"""The real application under uvicorn for the orders' races, with the worker threads sized
for a burst: every request holds at most one thread at a time, so with more threads than
concurrent requests a transaction holding a stock row lock always finds a thread to commit
in (see docs/orders.md, "Serving bursts")."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import anyio.to_thread
import uvicorn
from starlette.types import ASGIApp, Receive, Scope, Send

from comptoir.api import create_app
from comptoir.kit.settings import Settings
from tests.support.live_server import LiveServer

START_TIMEOUT_SECONDS = 20.0


class ThreadsForBursts:
    """Sets the event loop's worker-thread limit when the server starts."""

    def __init__(self, app: ASGIApp, *, threads: int) -> None:
        self.app = app
        self.threads = threads

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            anyio.to_thread.current_default_thread_limiter().total_tokens = self.threads
        await self.app(scope, receive, send)


@contextmanager
def serve_for_bursts(settings: Settings, *, threads: int) -> Iterator[LiveServer]:
    """Serve ``create_app(settings)`` with ``threads`` worker threads until the block ends."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    app = ThreadsForBursts(create_app(settings), threads=threads)
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while not server.started and thread.is_alive() and time.monotonic() < deadline:
            thread.join(0.05)
        if not server.started:
            raise RuntimeError("the live server did not start")
        yield LiveServer(url=f"http://127.0.0.1:{port}", settings=settings)
    finally:
        server.should_exit = True
        thread.join(START_TIMEOUT_SECONDS)
        sock.close()
