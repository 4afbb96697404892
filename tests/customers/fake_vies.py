"""A fake VIES served for real (uvicorn on a free local port) answering
``POST /check-vat-number`` with recorded VIES REST payloads, and Comptoir configured to use it.

Numbers it knows: FR40303265045 and DE136695976 (registered), DE123456789 (not registered),
DE811907980 (the German service is down: MS_UNAVAILABLE), DE999999999 (answers after two
seconds, past a short timeout); any other number gets a 500."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

PAYLOADS = Path(__file__).parent / "payloads"
ANSWERS = {
    "FR40303265045": "vies_valid.json",
    "DE136695976": "vies_valid_de.json",
    "DE123456789": "vies_invalid.json",
    "DE811907980": "vies_ms_unavailable.json",
}
SLOW_NUMBER = "DE999999999"


@dataclass
class FakeVies:
    """What the fake received: one JSON body per request."""

    url: str = ""
    calls: list[dict[str, Any]] = field(default_factory=list)


def _app(fake: FakeVies) -> Starlette:
    async def check_vat_number(request: Request) -> JSONResponse:
        body: dict[str, Any] = await request.json()
        fake.calls.append(body)
        number = f"{body.get('countryCode')}{body.get('vatNumber')}"
        if number == SLOW_NUMBER:
            await asyncio.sleep(2)
        name = ANSWERS.get(number)
        if name is None:
            return JSONResponse(
                {"actionSucceed": False, "errorWrappers": [{"error": "SERVICE_UNAVAILABLE"}]},
                status_code=500,
            )
        answer: dict[str, Any] = json.loads((PAYLOADS / name).read_text())
        return JSONResponse(answer)

    return Starlette(routes=[Route("/check-vat-number", check_vat_number, methods=["POST"])])


@pytest.fixture
def fake_vies(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeVies]:
    """The fake VIES, running; Comptoir's VIES settings point at it (1 second timeout)."""
    fake = FakeVies()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(_app(fake), log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and thread.is_alive() and time.monotonic() < deadline:
        thread.join(0.05)
    assert server.started, "the fake VIES did not start"
    fake.url = f"http://127.0.0.1:{port}/check-vat-number"
    monkeypatch.setenv("COMPTOIR_VIES_REGISTRY", "vies")
    monkeypatch.setenv("COMPTOIR_VIES_URL", fake.url)
    monkeypatch.setenv("COMPTOIR_VIES_TIMEOUT_SECONDS", "1")
    monkeypatch.setenv("COMPTOIR_VIES_REQUESTER_VAT_NUMBER", "FR 40 303 265 045")
    try:
        yield fake
    finally:
        server.should_exit = True
        thread.join(20)
        sock.close()
