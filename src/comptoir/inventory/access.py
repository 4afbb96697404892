"""Who may see what in the inventory API: scopes, and the locations of a restricted
principal."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends

from comptoir.inventory.errors import LocationNotFound
from comptoir.kit.http.access import Principal, current_principal, requires
from comptoir.kit.pagination import PageParams

READ = [requires("inventory:read")]
WRITE = [requires("inventory:write")]
Caller = Annotated[Principal, Depends(current_principal)]
Paging = Annotated[PageParams, Depends()]


def check_location(principal: Principal, location_id: uuid.UUID) -> None:
    """Raises :class:`LocationNotFound` when the principal may not see this location."""
    if not principal.may_see_location(location_id):
        raise LocationNotFound(field="location_id")


def scope_locations(principal: Principal, asked: list[uuid.UUID] | None) -> list[uuid.UUID] | None:
    """The locations a list may show: those asked for, within the principal's."""
    if principal.location_ids is None:
        return asked
    if asked is None:
        return sorted(principal.location_ids)
    return [location for location in asked if location in principal.location_ids]
