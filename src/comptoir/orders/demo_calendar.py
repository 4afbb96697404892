"""The demo shop's trading calendar: how many orders a day of BoutiqueNova's history brings,
and on which channels. Pure functions of the date, so that the history is the same on every
machine and the model can be checked on its own.

The shape: a weekly pattern (Saturday busiest, the stores closed on Sunday but Bordeaux's),
seasons (a December peak before Christmas, a summer dip), and the French sales periods
("soldes", Code de commerce art. L310-3): winter sales from the second Wednesday of January,
summer sales from the last Wednesday of June, four weeks each, when orders pick up.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Final

WEDNESDAY: Final = 2
SALES_WEEKS: Final = 4
SALES_BOOST: Final = 1.5
# Monday to Sunday.
WEEKDAY_FACTORS: Final = (0.85, 0.9, 0.95, 1.0, 1.1, 1.35, 0.85)
MONTH_FACTORS: Final = {
    1: 0.9, 2: 0.8, 3: 0.9, 4: 0.95, 5: 0.95, 6: 0.9,
    7: 0.7, 8: 0.6, 9: 0.95, 10: 1.0, 11: 1.2, 12: 1.8,
}  # fmt: skip
AFTER_CHRISTMAS: Final = 1.0
# Share of the orders per channel code; a store's till sells only when the store is open.
CHANNEL_SHARES: Final = {
    "web": 0.42, "app": 0.15, "marketplace": 0.10,
    "store-paris": 0.14, "store-lyon": 0.11, "store-bordeaux": 0.08,
}  # fmt: skip
OPEN_ON_SUNDAY: Final = frozenset({"store-bordeaux"})


@dataclass(frozen=True, slots=True)
class SalesPeriod:
    """A legal sales period, from ``starts_on`` to the day before ``ends_on``."""

    name: str
    starts_on: date
    ends_on: date

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.starts_on <= day < self.ends_on


@dataclass(frozen=True, slots=True)
class TradingDay:
    """What a day of history expects: about ``expected_orders`` orders, ``sales`` when a
    sales period runs."""

    day: date
    expected_orders: float
    sales: SalesPeriod | None


def _nth_weekday(year: int, month: int, weekday: int, n: int) -> date:
    first = date(year, month, 1)
    return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))


def _last_weekday(year: int, month: int, weekday: int) -> date:
    following = date(year + month // 12, month % 12 + 1, 1)
    last = following - timedelta(days=1)
    return last - timedelta(days=(last.weekday() - weekday) % 7)


def sales_periods(year: int) -> tuple[SalesPeriod, SalesPeriod]:
    """The winter and summer sales of ``year``."""
    winter = _nth_weekday(year, 1, WEDNESDAY, 2)
    summer = _last_weekday(year, 6, WEDNESDAY)
    weeks = timedelta(weeks=SALES_WEEKS)
    return (
        SalesPeriod(f"Soldes d'hiver {year}", winter, winter + weeks),
        SalesPeriod(f"Soldes d'été {year}", summer, summer + weeks),
    )


def sales_period_on(day: date) -> SalesPeriod | None:
    """The sales period running on ``day``, if any."""
    return next((period for period in sales_periods(day.year) if day in period), None)


def season_factor(day: date) -> float:
    """How busy the time of year is, 1 being an ordinary day."""
    if day.month == 12 and day.day > 24:
        return AFTER_CHRISTMAS
    return MONTH_FACTORS[day.month]


def trading_day(day: date, orders_per_day: float) -> TradingDay:
    """The orders expected on ``day`` for a shop taking about ``orders_per_day`` on an
    ordinary day: weekly pattern times season, times :data:`SALES_BOOST` in sales."""
    sales = sales_period_on(day)
    expected = orders_per_day * WEEKDAY_FACTORS[day.weekday()] * season_factor(day)
    if sales is not None:
        expected *= SALES_BOOST
    return TradingDay(day, expected, sales)


def channel_shares(day: date) -> dict[str, float]:
    """The share of ``day``'s orders per channel code (summing to 1): on Sunday the stores
    that do not open then take none."""
    shares = {
        code: share
        for code, share in CHANNEL_SHARES.items()
        if day.weekday() != 6 or not code.startswith("store-") or code in OPEN_ON_SUNDAY
    }
    total = sum(shares.values())
    return {code: share / total for code, share in shares.items()}
