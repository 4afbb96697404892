"""Sourcing: which location each line of a cart or an order comes from, by explicit rules
that explain themselves.

The rules, in the order they apply:

1. Only the channel's selling locations count (the caller passes their stock only).
2. Click & collect at a chosen store: the store, for each line it holds; a line it lacks
   comes from the nearest location holding it (to the store), by a transfer to the store,
   ready after the carrier's transfer lead time.
3. Home delivery: the warehouses first (external fulfilment partners count as warehouses);
   the stores ship (ship-from-store) only when the warehouses together cannot serve every
   line.
4. Fewest parcels: the location holding the most remaining lines is chosen first, so one
   location serving every line beats splitting the order.
5. Nearest by postcode region: among equals, the location nearest the destination (same
   French département, then same region, then the closest département number), then the
   location code.

Each :class:`Decision` carries its rule and the figures behind it; :func:`explain` turns them
into a sentence in the reader's language, so the timeline keeps data and reads in French or
English alike. Everything here is pure: no database, no clock.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Final, Literal

from comptoir.kit.i18n import LazyString
from comptoir.kit.i18n import lazy_gettext as _l

Rule = Literal[
    "pickup_store",
    "transfer_to_store",
    "warehouse",
    "ship_from_store",
    "backorder",
    "staff",
    "received",
]
Params = dict[str, str | int]
Stock = Mapping[uuid.UUID, Mapping[uuid.UUID, int]]

WAREHOUSE_KINDS: Final = ("warehouse", "external")

# Metropolitan France's thirteen regions by département (INSEE codes); overseas
# départements are regions of their own.
_REGIONS: Final[dict[str, tuple[str, ...]]] = {
    "ARA": ("01", "03", "07", "15", "26", "38", "42", "43", "63", "69", "73", "74"),
    "BFC": ("21", "25", "39", "58", "70", "71", "89", "90"),
    "BRE": ("22", "29", "35", "56"),
    "CVL": ("18", "28", "36", "37", "41", "45"),
    "COR": ("2A", "2B"),
    "GES": ("08", "10", "51", "52", "54", "55", "57", "67", "68", "88"),
    "HDF": ("02", "59", "60", "62", "80"),
    "IDF": ("75", "77", "78", "91", "92", "93", "94", "95"),
    "NOR": ("14", "27", "50", "61", "76"),
    "NAQ": ("16", "17", "19", "23", "24", "33", "40", "47", "64", "79", "86", "87"),
    "OCC": ("09", "11", "12", "30", "31", "32", "34", "46", "48", "65", "66", "81", "82"),
    "PDL": ("44", "49", "53", "72", "85"),
    "PAC": ("04", "05", "06", "13", "83", "84"),
}
REGION_OF: Final[dict[str, str]] = {
    department: region for region, departments in _REGIONS.items() for department in departments
}

REASONS: Final[dict[str, LazyString]] = {
    "pickup_store": _l("Click & collect at {store}: the store holds the units."),
    "transfer_to_store": _l(
        "Click & collect at {store}, which lacks the units: {location}, the nearest location "
        "holding them, sends them by transfer, ready on {ready_on}."
    ),
    "warehouse": _l("Ships from the warehouse {location}."),
    "ship_from_store": _l(
        "Ships from the store {location}: the warehouses cannot serve every line."
    ),
    "backorder": _l(
        "No location holds all the units: reserved at {location}, the rest on backorder."
    ),
    "staff": _l("Moved to {location} by {actor}."),
    "received": _l("The transfer arrived: the units wait at {location}."),
}
ONE_PARCEL: Final = _l("It holds every line: the order leaves in one parcel.")
SPLIT: Final = _l("No single location holds every line: {parcels} parcels.")
NEAREST: Final = _l(
    "{count} locations hold it: this one serves the most lines, then is the nearest to "
    "{postal_code}."
)
FIRST_BY_CODE: Final = _l(
    "{count} locations hold it: this one serves the most lines, then comes first by code."
)


@dataclass(frozen=True, slots=True)
class Place:
    """A location as sourcing sees it."""

    id: uuid.UUID
    code: str
    name: str
    kind: str
    postal_code: str | None = None
    country: str | None = None

    @property
    def is_warehouse(self) -> bool:
        return self.kind in WAREHOUSE_KINDS


@dataclass(frozen=True, slots=True)
class Want:
    """Units of a variant a line needs; ``backorder`` when the catalogue lets it be sold
    without stock."""

    variant_id: uuid.UUID
    quantity: int
    backorder: bool = False


@dataclass(frozen=True, slots=True)
class Decision:
    """Where a line's units are reserved (``location_id``; ``None`` when nowhere can serve
    it), by which rule, with the figures that explain it. For a transfer, ``store_id`` is
    the store the units travel to."""

    variant_id: uuid.UUID
    quantity: int
    location_id: uuid.UUID | None
    rule: Rule
    params: Params = field(default_factory=dict)
    store_id: uuid.UUID | None = None

    @property
    def reason(self) -> str:
        return explain(self.rule, self.params)


def explain(rule: str, params: Mapping[str, object]) -> str:
    """The decision as sentences in the current language (an unknown rule reads as
    itself)."""
    main = REASONS.get(rule)
    if main is None:
        return rule
    parts = [LazyString(main.message, dict(params))]
    parcels, count = params.get("parcels"), params.get("candidates")
    if rule in ("warehouse", "ship_from_store") and isinstance(parcels, int):
        parts.append(
            ONE_PARCEL if parcels == 1 else LazyString(SPLIT.message, {"parcels": parcels})
        )
        if isinstance(count, int) and count > 1:
            text = NEAREST if params.get("postal_code") else FIRST_BY_CODE
            parts.append(LazyString(text.message, {**dict(params), "count": count}))
    return " ".join(str(part) for part in parts)


def department(postal_code: str | None, country: str | None) -> str | None:
    """The French département of a postcode: its first two digits, three overseas
    (971..976), 2A/2B for Corsica (20000-20199 / 20200-20999). ``None`` outside France or
    for a postcode that is not five digits."""
    code = (postal_code or "").replace(" ", "")
    if (country or "FR").upper() != "FR" or len(code) != 5 or not code.isdigit():
        return None
    if code.startswith("97") or code.startswith("98"):
        return code[:3]
    if code.startswith("20"):
        return "2A" if int(code) < 20200 else "2B"
    return code[:2]


def _number(department_code: str) -> int:
    return int(department_code.replace("2A", "20").replace("2B", "20"))


def distance(place: Place, postal_code: str | None, country: str | None) -> tuple[int, int]:
    """How far ``place`` is from a postcode, as (tier, gap): 0 same département, 1 same
    region, 2 same country (gap: the difference of the département numbers, or of the
    postcodes' first two digits abroad), 3 unknown, 4 another country."""
    if country and place.country and country.upper() != place.country.upper():
        return (4, 0)
    here = department(place.postal_code, place.country or country)
    there = department(postal_code, country)
    if here is not None and there is not None:
        if here == there:
            return (0, 0)
        gap = abs(_number(here) - _number(there))
        if REGION_OF.get(here) is not None and REGION_OF.get(here) == REGION_OF.get(there):
            return (1, gap)
        return (2, gap)
    ours, theirs = (place.postal_code or "")[:2], (postal_code or "")[:2]
    if ours.isdigit() and theirs.isdigit():
        return (2, abs(int(ours) - int(theirs)))
    return (3, 0)


@dataclass(frozen=True, slots=True)
class Destination:
    """Where the parcel goes (the postcode may be unknown before checkout), or the chosen
    pickup store with the days a transfer takes to reach it."""

    country: str | None = None
    postal_code: str | None = None
    store: Place | None = None
    transfer_ready_on: date | None = None


def _holds(stock: Stock, place: Place, want: Want) -> bool:
    return stock.get(want.variant_id, {}).get(place.id, 0) >= want.quantity


def _fallback(stock: Stock, places: Sequence[Place], want: Want) -> Decision:
    """No single location holds the whole line: with backorders, the one holding the most
    (warehouses first); otherwise no location."""
    if not want.backorder or not places:
        return Decision(want.variant_id, want.quantity, None, "backorder")
    here = stock.get(want.variant_id, {})
    best = min(places, key=lambda p: (-here.get(p.id, 0), not p.is_warehouse, p.code))
    return Decision(want.variant_id, want.quantity, best.id, "backorder", {"location": best.name})


def _cover(
    wants: Mapping[int, Want],
    stock: Stock,
    pool: Sequence[Place],
    near: tuple[str | None, str | None],
    *,
    nearest_first: bool = False,
) -> list[tuple[Place, list[int]]]:
    """Greedy cover: repeatedly the place serving the most remaining lines (warehouses
    before stores, then the nearest, then by code); with ``nearest_first`` distance comes
    first. Returns (place, line numbers) in choosing order."""
    remaining = dict(wants)
    chosen: list[tuple[Place, list[int]]] = []
    while remaining:
        served = {
            place.id: [n for n, want in remaining.items() if _holds(stock, place, want)]
            for place in pool
        }

        def key(place: Place, served: dict[uuid.UUID, list[int]] = served) -> tuple[object, ...]:
            count, far = -len(served[place.id]), distance(place, *near)
            if nearest_first:
                return (far, count, not place.is_warehouse, place.code)
            return (count, not place.is_warehouse, far, place.code)

        best = min(pool, key=key)
        chosen.append((best, served[best.id]))
        for n in served[best.id]:
            del remaining[n]
    return chosen


def _holders(stock: Stock, pool: Sequence[Place], want: Want) -> int:
    return sum(1 for place in pool if _holds(stock, place, want))


def plan(
    wants: Sequence[Want], stock: Stock, places: Sequence[Place], destination: Destination
) -> list[Decision]:
    """One decision per want, in the order given (see the module's rules). ``stock`` is the
    units available per variant and location for this cart or order; ``places`` the
    channel's active selling locations."""
    decided: dict[int, Decision] = {}
    store = destination.store
    if store is not None:
        for n, want in enumerate(wants):
            if _holds(stock, store, want):
                decided[n] = Decision(
                    want.variant_id, want.quantity, store.id, "pickup_store", {"store": store.name}
                )
    pending = [n for n in range(len(wants)) if n not in decided]
    servable = {n: wants[n] for n in pending if _holders(stock, places, wants[n])}
    for n in pending:
        if n not in servable:
            decided[n] = _fallback(stock, places, wants[n])
    if store is not None:
        decided.update(_transfers(servable, stock, places, store, destination.transfer_ready_on))
    else:
        decided.update(_shipments(servable, stock, places, destination))
    return [decided[n] for n in range(len(wants))]


def _transfers(
    wants: Mapping[int, Want],
    stock: Stock,
    places: Sequence[Place],
    store: Place,
    ready_on: date | None,
) -> dict[int, Decision]:
    """Lines the pickup store lacks: from the nearest location holding them, to the store."""
    sources = [place for place in places if place.id != store.id]
    near = (store.postal_code, store.country)
    decided: dict[int, Decision] = {}
    for place, lines in _cover(wants, stock, sources, near, nearest_first=True):
        for n in lines:
            params: Params = {
                "store": store.name,
                "location": place.name,
                "ready_on": ready_on.isoformat() if ready_on else "",
                "candidates": _holders(stock, sources, wants[n]),
            }
            decided[n] = Decision(
                wants[n].variant_id, wants[n].quantity, place.id, "transfer_to_store", params,
                store_id=store.id,
            )  # fmt: skip
    return decided


def _shipments(
    wants: Mapping[int, Want], stock: Stock, places: Sequence[Place], destination: Destination
) -> dict[int, Decision]:
    """Home delivery: the warehouses when they can serve every line, else every location;
    fewest parcels, then the nearest."""
    warehouses = [place for place in places if place.is_warehouse]
    enough = all(_holders(stock, warehouses, want) for want in wants.values())
    pool = warehouses if enough else list(places)
    near = (destination.postal_code, destination.country)
    covered = _cover(wants, stock, pool, near)
    decided: dict[int, Decision] = {}
    for place, lines in covered:
        rule: Rule = "warehouse" if place.is_warehouse else "ship_from_store"
        for n in lines:
            params: Params = {
                "location": place.name,
                "parcels": len(covered),
                "candidates": _holders(stock, pool, wants[n]),
            }
            if destination.postal_code:
                params["postal_code"] = destination.postal_code
            decided[n] = Decision(wants[n].variant_id, wants[n].quantity, place.id, rule, params)
    return decided
