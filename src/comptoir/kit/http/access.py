"""Who is calling, and what they may do: every ``/api/v1`` and ``/store/v1`` route declares the
scopes it needs with :func:`requires`.

The identity module authenticates the caller (an OAuth 2 access token, a back-office session, a
channel key, a shopper token) and puts a :class:`Principal` on ``request.state.principal``;
this module only reads it. Tests that exercise a module's behaviour, not its access rules,
override :func:`current_principal` with a principal holding the scopes they need.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

from fastapi import Depends, Request

from comptoir.kit.errors import Forbidden, Unauthorized
from comptoir.kit.i18n import lazy_gettext as _l

PrincipalKind = Literal["staff", "client", "channel", "shopper"]


@dataclass(frozen=True, slots=True)
class Principal:
    """An authenticated caller.

    ``location_ids`` restricts object-level access (a store manager sees only her stores):
    ``None`` means every location.
    """

    kind: PrincipalKind
    id: uuid.UUID
    scopes: frozenset[str]
    display_name: str = ""
    location_ids: frozenset[uuid.UUID] | None = None
    channel_id: uuid.UUID | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def has_scope(self, scope: str) -> bool:
        """True if the principal holds ``scope`` or the whole module (``catalog:*``)."""
        module = scope.split(":", 1)[0]
        return scope in self.scopes or f"{module}:*" in self.scopes or "*" in self.scopes

    def may_see_location(self, location_id: uuid.UUID) -> bool:
        return self.location_ids is None or location_id in self.location_ids


class MissingScope(Forbidden):
    slug = "missing-scope"
    title = _l("Your access does not include this operation.")


AccessDeniedHook = Callable[[Request, Principal, str], None]
_denied_hooks: list[AccessDeniedHook] = []
_denied_lock = threading.Lock()


def on_access_denied(hook: AccessDeniedHook) -> None:
    """Call ``hook(request, principal, scope)`` whenever an authenticated caller is refused for
    want of a scope (the audit trail records it: OWASP ASVS V16.3.2). Registering the same
    hook twice keeps one."""
    with _denied_lock:
        if hook not in _denied_hooks:
            _denied_hooks.append(hook)


def access_denied(request: Request, principal: Principal, scope: str) -> None:
    """Tell the registered hooks that ``principal`` was refused ``scope`` on ``request``."""
    with _denied_lock:
        hooks = list(_denied_hooks)
    for hook in hooks:
        hook(request, principal, scope)


def current_principal(request: Request) -> Principal:
    """The authenticated caller; raises :class:`Unauthorized` when there is none."""
    principal = getattr(request.state, "principal", None)
    if not isinstance(principal, Principal):
        raise Unauthorized()
    return principal


def requires(*scopes: str) -> Any:
    """A route dependency: the caller must hold every scope in ``scopes``.

    Raises :class:`Unauthorized` (401) without a principal, :class:`MissingScope` (403) when a
    scope is missing. The scopes are kept on the dependency so that tests and the OpenAPI
    document can list what each route needs.
    """
    if not scopes:
        raise ValueError("requires() needs at least one scope")

    def check(
        request: Request, principal: Annotated[Principal, Depends(current_principal)]
    ) -> Principal:
        missing = [scope for scope in scopes if not principal.has_scope(scope)]
        if missing:
            access_denied(request, principal, ", ".join(missing))
            raise MissingScope(
                _l("This operation needs the scope {scope}."), scope=", ".join(missing)
            )
        return principal

    check.required_scopes = scopes  # type: ignore[attr-defined]
    return Depends(check)


def required_scopes(dependency: Callable[..., Any]) -> tuple[str, ...]:
    """The scopes a dependency made by :func:`requires` checks (empty for others)."""
    return tuple(getattr(dependency, "required_scopes", ()))
