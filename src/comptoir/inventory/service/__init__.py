"""The inventory's service: what other modules and the API call.

Every function works in the caller's transaction and never commits.
"""

from comptoir.inventory.errors import (
    CountStateConflict,
    InsufficientStock,
    LocationNotFound,
    ReservationNotActive,
    TransferStateConflict,
)
from comptoir.inventory.service.availability import available_by_location, available_to_promise
from comptoir.inventory.service.check import check_levels
from comptoir.inventory.service.counts import (
    apply_count,
    cancel_count,
    create_count,
    get_count,
    list_counts,
    record_counted,
)
from comptoir.inventory.service.levels import LevelFigures, change_level, lock_levels
from comptoir.inventory.service.locations import (
    create_location,
    get_location,
    get_location_by_code,
    get_reorder_parameters,
    list_channel_locations,
    list_locations,
    list_reorder_parameters,
    remove_channel_location,
    set_channel_location,
    set_reorder_parameters,
    update_location,
)
from comptoir.inventory.service.reservations import (
    consume,
    expire_holds,
    get_reservation,
    list_reservations,
    release,
    reserve,
    reserve_lines,
)
from comptoir.inventory.service.stock import (
    adjust,
    get_level,
    list_levels,
    list_movements,
    receive,
    record_return,
    sell,
)
from comptoir.inventory.service.transfers import (
    cancel_transfer,
    create_transfer,
    get_transfer,
    list_transfers,
    receive_transfer,
    ship_transfer,
)

__all__ = [
    "CountStateConflict",
    "InsufficientStock",
    "LevelFigures",
    "LocationNotFound",
    "ReservationNotActive",
    "TransferStateConflict",
    "adjust",
    "apply_count",
    "available_by_location",
    "available_to_promise",
    "cancel_count",
    "cancel_transfer",
    "change_level",
    "check_levels",
    "consume",
    "create_count",
    "create_location",
    "create_transfer",
    "expire_holds",
    "get_count",
    "get_level",
    "get_location",
    "get_location_by_code",
    "get_reorder_parameters",
    "get_reservation",
    "get_transfer",
    "list_channel_locations",
    "list_counts",
    "list_levels",
    "list_locations",
    "list_movements",
    "list_reorder_parameters",
    "list_reservations",
    "list_transfers",
    "lock_levels",
    "receive",
    "receive_transfer",
    "record_counted",
    "record_return",
    "release",
    "remove_channel_location",
    "reserve",
    "reserve_lines",
    "sell",
    "set_channel_location",
    "set_reorder_parameters",
    "ship_transfer",
    "update_location",
]
