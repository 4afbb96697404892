"""The HTTP side of idempotency keys: a pure ASGI middleware for POSTs under ``/api/`` and
``/store/`` that carry an ``Idempotency-Key`` header. It must sit inside
:class:`~comptoir.kit.http.transaction.RequestTransactionMiddleware`: the answer is recorded in
the request's transaction."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import timedelta
from functools import partial
from typing import Final

from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from comptoir.kit.db.engine import Database
from comptoir.kit.errors import DomainError, problem_response
from comptoir.kit.http.transaction import HeldResponse, current_transaction
from comptoir.kit.i18n import current_locale
from comptoir.kit.idempotency.service import (
    HEADER,
    REPLAYED_HEADER,
    Claimed,
    IdempotentRequest,
    Replay,
    claim_key,
    record_answer,
    release_key,
    request_digest,
    validate_key,
)
from comptoir.kit.settings import Settings

IDEMPOTENT_PATH_PREFIXES: Final = ("/api/", "/store/")
ANONYMOUS_SCOPE: Final = "anonymous"
# Headers that describe one delivery of an answer, not the answer itself.
_NOT_REPLAYED: Final = frozenset({"date", "server", "x-request-id"})


CREDENTIAL_HEADERS: Final = ("authorization", "x-channel-key")


def caller_scope(scope: Scope) -> str:
    """Whose keys these are, decided before the application authenticates the caller: the
    SHA-256 of the credentials the request presents (its ``Authorization`` and
    ``X-Channel-Key`` headers), or ``anonymous`` without any. Two callers never see each
    other's keys; a retry must present the same credentials to be recognised (an answer is
    never replayed to someone who could not have made the request)."""
    headers = Headers(scope=scope)
    presented = [f"{name}:{headers[name]}" for name in CREDENTIAL_HEADERS if name in headers]
    if not presented:
        return ANONYMOUS_SCOPE
    digest = hashlib.sha256("\n".join(presented).encode()).hexdigest()
    return f"credentials:{digest}"


class IdempotencyMiddleware:
    """Applies idempotency keys (see :mod:`comptoir.kit.idempotency.service`)."""

    def __init__(self, app: ASGIApp, *, scope_of: Callable[[Scope], str] = caller_scope) -> None:
        self.app = app
        self.scope_of = scope_of

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        key = _key_header(scope)
        if key is None:
            await self.app(scope, receive, send)
            return
        try:
            validate_key(key)
            body = await _read_body(receive)
            request = IdempotentRequest(
                scope=self.scope_of(scope),
                key=key,
                method=scope["method"],
                path=_path_with_query(scope),
                request_hash=request_digest(scope["method"], _path_with_query(scope), body),
            )
            claim = await run_in_threadpool(_claim, scope, request)
        except DomainError as error:
            response = problem_response(error, current_locale(), instance=scope["path"])
            await response(scope, receive, send)
            return
        if isinstance(claim, Replay):
            await _send_replay(claim, send)
            return
        database: Database = scope["app"].state.database
        transaction = current_transaction(scope)
        transaction.before_commit(partial(_record, claim))
        transaction.after_rollback(partial(release_key, database, claim))
        await self.app(scope, _replaying(body, receive), send)


def _key_header(scope: Scope) -> str | None:
    if scope["type"] != "http" or scope["method"] != "POST":
        return None
    if not str(scope["path"]).startswith(IDEMPOTENT_PATH_PREFIXES):
        return None
    return Headers(scope=scope).get(HEADER)


def _path_with_query(scope: Scope) -> str:
    query = bytes(scope.get("query_string", b"")).decode("latin-1")
    return f"{scope['path']}?{query}" if query else str(scope["path"])


def _claim(scope: Scope, request: IdempotentRequest) -> Claimed | Replay:
    database: Database = scope["app"].state.database
    settings: Settings = scope["app"].state.settings
    return claim_key(
        database,
        request,
        ttl=timedelta(hours=settings.idempotency_ttl_hours),
        lock=timedelta(seconds=settings.idempotency_lock_seconds),
    )


def _record(claim: Claimed, session: Session, response: HeldResponse) -> None:
    headers = [
        (name.decode("latin-1"), value.decode("latin-1"))
        for name, value in response.headers
        if name.decode("latin-1").lower() not in _NOT_REPLAYED
    ]
    record_answer(session, claim, response.status, headers, response.body)


async def _read_body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _replaying(body: bytes, receive: Receive) -> Receive:
    """A ``receive`` that hands the already-read body to the application, then defers to the
    real one (which reports the client's disconnection)."""
    delivered = False

    async def receive_again() -> Message:
        nonlocal delivered
        if not delivered:
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return receive_again


async def _send_replay(replay: Replay, send: Send) -> None:
    headers = [(name.encode("latin-1"), value.encode("latin-1")) for name, value in replay.headers]
    headers.append((REPLAYED_HEADER.lower().encode(), b"true"))
    await send({"type": "http.response.start", "status": replay.status, "headers": headers})
    await send({"type": "http.response.body", "body": replay.body, "more_body": False})
