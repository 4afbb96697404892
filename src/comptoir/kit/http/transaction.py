"""One database transaction per HTTP request, committed once when the answer is known.

The middleware opens the session lazily (a request that never touches the database never opens
one), commits at the end if the response status is below 400 and rolls back otherwise. A
writing request's response is held until the commit has succeeded: if the commit fails, the
client gets a 500 problem, never a success for work that did not happen. ``GET`` and ``HEAD``
use a read-only session that is never committed, and their responses stream through.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated, Final, TypeVar

import anyio
import anyio.to_thread
from fastapi import Depends, Request
from sqlalchemy.orm import Session
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from comptoir.kit.db.engine import Database
from comptoir.kit.errors import DomainError, InternalError, problem_response
from comptoir.kit.http.context import route_template
from comptoir.kit.i18n import current_locale

TRANSACTION_SCOPE_KEY: Final = "comptoir.transaction"
READONLY_METHODS: Final = frozenset({"GET", "HEAD"})

logger = logging.getLogger("comptoir.http.transaction")

FINISHING_THREADS: Final = 40
DEFAULT_CONCURRENT_WRITES: Final = 16
_finishing: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, anyio.CapacityLimiter] = (
    weakref.WeakKeyDictionary()
)
_admissions: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, anyio.Semaphore] = (
    weakref.WeakKeyDictionary()
)
_T = TypeVar("_T")


async def _run_finishing(function: Callable[..., _T], *args: object) -> _T:
    """Run a commit or rollback on threads of its own.

    Endpoints run on the shared worker-thread pool; a request that holds row locks must never
    wait for a thread of that pool to commit them, or a burst of requests queued on those very
    locks can take every thread and wait forever. Commits and rollbacks therefore get their own
    limiter.
    """
    loop = asyncio.get_running_loop()
    limiter = _finishing.get(loop)
    if limiter is None:
        limiter = _finishing[loop] = anyio.CapacityLimiter(FINISHING_THREADS)
    return await anyio.to_thread.run_sync(function, *args, limiter=limiter)


@dataclass
class HeldResponse:
    """A complete response, held back until the transaction has committed."""

    messages: list[Message] = field(default_factory=list)
    is_complete: bool = False

    @property
    def status(self) -> int:
        return int(self.messages[0]["status"])

    @property
    def headers(self) -> list[tuple[bytes, bytes]]:
        return [(bytes(name), bytes(value)) for name, value in self.messages[0]["headers"]]

    @property
    def body(self) -> bytes:
        return b"".join(
            message.get("body", b"")
            for message in self.messages
            if message["type"] == "http.response.body"
        )

    async def hold(self, message: Message) -> None:
        self.messages.append(message)
        if message["type"] == "http.response.body" and not message.get("more_body", False):
            self.is_complete = True

    async def release(self, send: Send) -> None:
        for message in self.messages:
            await send(message)


BeforeCommit = Callable[[Session, HeldResponse], None]
AfterRollback = Callable[[], None]


class RequestTransaction:
    """The database work of one request. Thread-safe: FastAPI runs sync endpoints and
    dependencies in worker threads."""

    def __init__(self, database: Database, *, readonly: bool) -> None:
        self.database = database
        self.readonly = readonly
        self._session: Session | None = None
        self._lock = threading.Lock()
        self._before_commit: list[BeforeCommit] = []
        self._after_rollback: list[AfterRollback] = []

    @property
    def is_open(self) -> bool:
        return self._session is not None

    def session(self) -> Session:
        """The request's session, opened on first use."""
        with self._lock:
            if self._session is None:
                self._session = self.database.session(readonly=self.readonly)
            return self._session

    def before_commit(self, hook: BeforeCommit) -> None:
        """Run ``hook(session, response)`` inside the transaction, just before it commits
        (for work that must commit with the request's, or not at all)."""
        self._before_commit.append(hook)

    def after_rollback(self, hook: AfterRollback) -> None:
        """Run ``hook()`` once the request's work has been rolled back."""
        self._after_rollback.append(hook)

    def finish(self, response: HeldResponse) -> bool:
        """Commit if ``response`` is a success (status < 400) and the request may write, roll
        back otherwise. Returns whether it committed; raises what the commit raised, after
        rolling back."""
        if self.readonly or response.status >= 400:
            self.abort()
            return False
        try:
            if self._before_commit:
                session = self.session()
                for hook in self._before_commit:
                    hook(session, response)
            if self._session is not None:
                self._session.commit()
        except BaseException:
            self.abort()
            raise
        self._close()
        return True

    def abort(self) -> None:
        """Roll back whatever the request did, then run the after-rollback hooks."""
        try:
            if self._session is not None:
                self._session.rollback()
        finally:
            self._close()
            for hook in self._after_rollback:
                hook()

    def _close(self) -> None:
        with self._lock:
            session, self._session = self._session, None
        if session is not None:
            session.close()


def current_transaction(scope: Scope) -> RequestTransaction:
    """The transaction of the request ``scope``; raises ``RuntimeError`` outside of one."""
    transaction = scope.get(TRANSACTION_SCOPE_KEY)
    if not isinstance(transaction, RequestTransaction):
        raise RuntimeError("RequestTransactionMiddleware is not installed")
    return transaction


def get_db_session(request: Request) -> Session:
    """FastAPI dependency: the session of the current request's transaction."""
    return current_transaction(request.scope).session()


DbSession = Annotated[Session, Depends(get_db_session)]


def _admission(scope: Scope) -> anyio.Semaphore:
    """The limit on writing requests running at once in this process.

    A writing request may hold row locks, and after its endpoint it still needs worker threads
    (FastAPI serialises the answer and closes dependencies on them). If every worker thread
    were taken by requests waiting on those locks, the holder could never finish. Admitting at
    most ``max_concurrent_writes`` writing requests (fewer than the 40 worker threads) keeps
    threads free; the others wait for their turn without holding a thread or a connection.
    """
    loop = asyncio.get_running_loop()
    semaphore = _admissions.get(loop)
    if semaphore is None:
        settings = getattr(scope["app"].state, "settings", None)
        limit = getattr(settings, "max_concurrent_writes", DEFAULT_CONCURRENT_WRITES)
        semaphore = _admissions[loop] = anyio.Semaphore(limit)
    return semaphore


class RequestTransactionMiddleware:
    """Pure ASGI middleware owning each HTTP request's transaction. The database is
    ``app.state.database``."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        database: Database = scope["app"].state.database
        readonly = scope["method"] in READONLY_METHODS
        transaction = RequestTransaction(database, readonly=readonly)
        scope[TRANSACTION_SCOPE_KEY] = transaction
        if readonly:
            try:
                await self.app(scope, receive, send)
            finally:
                await _run_finishing(transaction.abort)
            return
        answer: ASGIApp | HeldResponse
        async with _admission(scope):
            held = HeldResponse()
            try:
                await self.app(scope, receive, held.hold)
            except BaseException:
                await _run_finishing(transaction.abort)
                raise
            if not held.is_complete:
                await _run_finishing(transaction.abort)
                raise RuntimeError("the application returned without a complete response")
            try:
                await _run_finishing(transaction.finish, held)
                answer = held
            except DomainError as error:
                answer = problem_response(error, current_locale(), instance=scope["path"])
            except Exception:
                logger.exception("commit failed on %s %s", scope["method"], route_template(scope))
                answer = problem_response(InternalError(), current_locale(), instance=scope["path"])
        # The answer goes out after the turn is given back: a slow client holds no one up.
        if isinstance(answer, HeldResponse):
            await answer.release(send)
        else:
            await answer(scope, receive, send)
