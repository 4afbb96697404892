"""Acting as an authenticated caller in tests that are about a module's behaviour rather than
its access rules (those are proven by the identity tests, without this override)."""

from __future__ import annotations

from fastapi import FastAPI

from comptoir.kit.http.access import Principal, PrincipalKind, current_principal
from comptoir.kit.ids import uuid7


def act_as(app: FastAPI, *scopes: str, kind: PrincipalKind = "staff") -> Principal:
    """Make every request to ``app`` come from a principal holding ``scopes``."""
    principal = Principal(
        kind=kind,
        id=uuid7(),
        scopes=frozenset(scopes),
        display_name="Test caller",
    )
    app.dependency_overrides[current_principal] = lambda: principal
    return principal
