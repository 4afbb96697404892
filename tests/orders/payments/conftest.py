"""A fake Stripe served for real (uvicorn on a free local port) answering
``POST /v1/payment_intents`` with a recorded PaymentIntent, ``POST /v1/refunds`` with a
recorded Refund (or Stripe's refusal when told to refuse) and
``POST /v1/payment_intents/<id>/cancel``, and Comptoir configured to use it."""

from __future__ import annotations

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
SECRET_KEY = "sk_test_51QK2uZLkdIwHu7ixComptoirFake"
WEBHOOK_SECRET = "whsec_comptoir_tests_5c1d3e7f9a2b4c6d"
REQUIRED_FIELDS = (
    "amount",
    "currency",
    "metadata[order_id]",
    "automatic_payment_methods[enabled]",
)


def payload(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((PAYLOADS / name).read_text())
    return data


@dataclass
class FakeStripe:
    """What the fake received: one entry per request (form fields and headers)."""

    url: str = ""
    calls: list[dict[str, Any]] = field(default_factory=list)
    refuse_refunds: bool = False

    def calls_to(self, path: str) -> list[dict[str, Any]]:
        return [call for call in self.calls if call["path"] == path]


def _error(message: str, param: str | None = None) -> JSONResponse:
    body = {"error": {"type": "invalid_request_error", "message": message, "param": param}}
    return JSONResponse(body, status_code=400)


def _app(fake: FakeStripe) -> Starlette:
    async def create_payment_intent(request: Request) -> JSONResponse:
        form = await request.form()
        fields = {key: str(value) for key, value in form.items()}
        fake.calls.append(
            {
                "path": request.url.path,
                "form": fields,
                "authorization": request.headers.get("authorization"),
                "idempotency_key": request.headers.get("idempotency-key"),
                "content_type": request.headers.get("content-type", ""),
            }
        )
        if request.headers.get("authorization") != f"Bearer {SECRET_KEY}":
            body = {"error": {"type": "invalid_request_error", "message": "Invalid API Key"}}
            return JSONResponse(body, status_code=401)
        for name in REQUIRED_FIELDS:
            if name not in fields:
                return _error(f"Missing required param: {name}.", name)
        if not fields["amount"].isdigit():
            return _error("Invalid integer: amount", "amount")
        intent = payload("payment_intent_created.json")
        intent["amount"] = int(fields["amount"])
        intent["currency"] = fields["currency"]
        intent["metadata"] = {
            key[len("metadata[") : -1]: value
            for key, value in fields.items()
            if key.startswith("metadata[")
        }
        return JSONResponse(intent)

    async def create_refund(request: Request) -> JSONResponse:
        form = await request.form()
        fields = {key: str(value) for key, value in form.items()}
        fake.calls.append(
            {
                "path": request.url.path,
                "form": fields,
                "authorization": request.headers.get("authorization"),
                "idempotency_key": request.headers.get("idempotency-key"),
                "content_type": request.headers.get("content-type", ""),
            }
        )
        if fake.refuse_refunds:
            # Stripe's answer for a charge already refunded in full.
            body = {
                "error": {
                    "type": "invalid_request_error",
                    "code": "charge_already_refunded",
                    "message": "Charge ch_3QK2vNLkdIwHu7ix0d2Yc9Tn has already been refunded.",
                }
            }
            return JSONResponse(body, status_code=400)
        if "payment_intent" not in fields or not fields.get("amount", "").isdigit():
            return _error("Missing required param: payment_intent.", "payment_intent")
        refund = payload("refund_created.json")
        refund["amount"] = int(fields["amount"])
        refund["payment_intent"] = fields["payment_intent"]
        refund["metadata"] = {
            key[len("metadata[") : -1]: value
            for key, value in fields.items()
            if key.startswith("metadata[")
        }
        return JSONResponse(refund)

    async def cancel_payment_intent(request: Request) -> JSONResponse:
        form = await request.form()
        fake.calls.append(
            {
                "path": request.url.path,
                "form": {key: str(value) for key, value in form.items()},
                "authorization": request.headers.get("authorization"),
                "idempotency_key": request.headers.get("idempotency-key"),
                "content_type": request.headers.get("content-type", ""),
            }
        )
        intent = payload("payment_intent_created.json")
        intent["id"] = request.path_params["intent_id"]
        intent["status"] = "canceled"
        return JSONResponse(intent)

    return Starlette(
        routes=[
            Route("/v1/payment_intents", create_payment_intent, methods=["POST"]),
            Route("/v1/refunds", create_refund, methods=["POST"]),
            Route(
                "/v1/payment_intents/{intent_id}/cancel", cancel_payment_intent, methods=["POST"]
            ),
        ]
    )


@pytest.fixture
def fake_stripe(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeStripe]:
    """The fake Stripe, running; Comptoir's Stripe settings point at it."""
    fake = FakeStripe()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(_app(fake), log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and thread.is_alive() and time.monotonic() < deadline:
        thread.join(0.05)
    assert server.started, "the fake Stripe did not start"
    fake.url = f"http://127.0.0.1:{port}"
    monkeypatch.setenv("COMPTOIR_STRIPE_SECRET_KEY", SECRET_KEY)
    monkeypatch.setenv("COMPTOIR_STRIPE_API_BASE", fake.url)
    monkeypatch.setenv("COMPTOIR_STRIPE_WEBHOOK_SECRET", WEBHOOK_SECRET)
    try:
        yield fake
    finally:
        server.should_exit = True
        thread.join(20)
        sock.close()
