"""VAT by destination for a shop established in France, and VAT totals per rate.

Which VAT a sale of goods carries depends on where it is delivered and to whom:

- **domestic** (delivered in the shop's country): the catalogue's rate of the product's tax
  class in that country (category ``S``);
- **oss** (a consumer in another EU member state, distance sales declared through the EU
  one-stop shop): the destination's rate: the catalogue's rate of the tax class in that
  country when the shop recorded one, else the destination's standard rate from
  ``data/eu_vat_rates.json`` for a standard-rated class (category ``S``);
- **intra_eu_b2b** (a business in another member state with a VAT number): exempt intra-
  community supply, the buyer accounts for the VAT (reverse charge, category ``K``, 0 %);
- **export** (delivered outside the EU): exempt (category ``G``, 0 %).

VAT is computed once per rate on the sum of the lines of that rate and rounded there (EN 16931
rule BR-CO-17), never line by line.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache
from importlib import resources
from typing import Any, Final, Literal

from comptoir.kit.money import Money

HOME_COUNTRY: Final = "FR"
ZERO: Final = Decimal(0)

VatScheme = Literal["domestic", "oss", "intra_eu_b2b", "export"]
# EN 16931 VAT category codes (UNTDID 5305): standard rate, intra-community supply, export.
CATEGORY_STANDARD: Final = "S"
CATEGORY_INTRA_EU: Final = "K"
CATEGORY_EXPORT: Final = "G"

EU_MEMBER_STATES: Final = frozenset(
    {
        "AT",
        "BE",
        "BG",
        "CY",
        "CZ",
        "DE",
        "DK",
        "EE",
        "ES",
        "FI",
        "FR",
        "GR",
        "HR",
        "HU",
        "IE",
        "IT",
        "LT",
        "LU",
        "LV",
        "MT",
        "NL",
        "PL",
        "PT",
        "RO",
        "SE",
        "SI",
        "SK",
    }
)

# VIES number formats, by VAT prefix (Greece uses EL).
_VAT_NUMBER_FORMATS: Final[dict[str, str]] = {
    "AT": r"U\d{8}",
    "BE": r"[01]\d{9}",
    "BG": r"\d{9,10}",
    "CY": r"\d{8}[A-Z]",
    "CZ": r"\d{8,10}",
    "DE": r"\d{9}",
    "DK": r"\d{8}",
    "EE": r"\d{9}",
    "EL": r"\d{9}",
    "ES": r"[A-Z0-9]\d{7}[A-Z0-9]",
    "FI": r"\d{8}",
    "FR": r"[A-HJ-NP-Z0-9]{2}\d{9}",
    "HR": r"\d{11}",
    "HU": r"\d{8}",
    "IE": r"\d{7}[A-W][A-I]?|\d[A-Z+*]\d{5}[A-W]",
    "IT": r"\d{11}",
    "LT": r"\d{9}|\d{12}",
    "LU": r"\d{8}",
    "LV": r"\d{11}",
    "MT": r"\d{8}",
    "NL": r"\d{9}B\d{2}",
    "PL": r"\d{10}",
    "PT": r"\d{9}",
    "RO": r"\d{2,10}",
    "SE": r"\d{12}",
    "SI": r"\d{8}",
    "SK": r"\d{10}",
}


@dataclass(frozen=True, slots=True)
class EuRates:
    """A member state's rates (percent) for one period, ``valid_to`` excluded."""

    country: str
    valid_from: date
    valid_to: date | None
    standard: Decimal
    reduced: tuple[Decimal, ...]
    super_reduced: Decimal | None


@dataclass(frozen=True, slots=True)
class VatTreatment:
    """How a sale to ``country`` is taxed."""

    scheme: VatScheme
    country: str

    @property
    def is_exempt(self) -> bool:
        return self.scheme in ("intra_eu_b2b", "export")

    @property
    def category(self) -> str:
        if self.scheme == "intra_eu_b2b":
            return CATEGORY_INTRA_EU
        if self.scheme == "export":
            return CATEGORY_EXPORT
        return CATEGORY_STANDARD


@dataclass(frozen=True, slots=True)
class TaxedAmount:
    """A line's amount (after discounts) in the order's price basis, with its VAT."""

    amount: Money
    rate: Decimal
    category: str


@dataclass(frozen=True, slots=True)
class RateTotal:
    """The taxable base and the VAT of one (category, rate)."""

    category: str
    rate: Decimal
    base: Money
    tax: Money

    @property
    def gross(self) -> Money:
        return self.base + self.tax


def vat_prefix(country: str) -> str:
    """The VAT-number prefix of an ISO country (``GR`` -> ``EL``)."""
    code = country.upper()
    return "EL" if code == "GR" else code


def normalise_vat_number(number: str) -> str:
    """Upper case, without spaces, dots and dashes."""
    return re.sub(r"[\s.\-]", "", number).upper()


def is_valid_vat_number(number: str, country: str | None = None) -> bool:
    """Whether ``number`` has the format of an EU VAT number (of ``country`` when given).

    Checks the country prefix and the VIES format, and for France the key (two digits in
    front of the SIREN). Whether the number is registered is for VIES to say, not checked
    here.
    """
    text = normalise_vat_number(number)
    prefix, rest = text[:2], text[2:]
    if country is not None and prefix != vat_prefix(country):
        return False
    pattern = _VAT_NUMBER_FORMATS.get(prefix)
    if pattern is None or re.fullmatch(pattern, rest) is None:
        return False
    if prefix == "FR" and rest[:2].isdigit():
        siren = int(rest[2:])
        return int(rest[:2]) == (12 + 3 * (siren % 97)) % 97
    return True


def vat_treatment(
    destination: str, *, vat_number: str | None = None, origin: str = HOME_COUNTRY
) -> VatTreatment:
    """How goods shipped from ``origin`` to ``destination`` are taxed. A ``vat_number`` turns
    a sale to another member state into an intra-community supply; its format must have been
    checked (:func:`is_valid_vat_number`)."""
    country = destination.upper()
    if country == origin.upper():
        return VatTreatment("domestic", country)
    if country not in EU_MEMBER_STATES:
        return VatTreatment("export", country)
    if vat_number:
        return VatTreatment("intra_eu_b2b", country)
    return VatTreatment("oss", country)


@cache
def _load_rates() -> dict[str, tuple[EuRates, ...]]:
    text = resources.files("comptoir.orders").joinpath("data/eu_vat_rates.json").read_text()
    raw: dict[str, Any] = json.loads(text)
    table: dict[str, tuple[EuRates, ...]] = {}
    for country, periods in raw["countries"].items():
        table[country] = tuple(
            EuRates(
                country=country,
                valid_from=date.fromisoformat(period["valid_from"]),
                valid_to=date.fromisoformat(period["valid_to"]) if period["valid_to"] else None,
                standard=Decimal(period["standard"]),
                reduced=tuple(Decimal(rate) for rate in period["reduced"]),
                super_reduced=(
                    Decimal(period["super_reduced"]) if period["super_reduced"] else None
                ),
            )
            for period in periods
        )
    return table


def eu_rates(country: str, on: date) -> EuRates | None:
    """The rates of member state ``country`` on ``on``, or ``None`` (not a member state, or
    a day the data does not cover)."""
    for period in _load_rates().get(country.upper(), ()):
        if period.valid_from <= on and (period.valid_to is None or on < period.valid_to):
            return period
    return None


def _sum(amounts: Iterable[Money], currency: str) -> Money:
    return Money.total(amounts, currency)


def totals_per_rate(
    lines: Sequence[TaxedAmount], *, prices_include_tax: bool, currency: str
) -> list[RateTotal]:
    """The base and VAT of each (category, rate), by category then rate.

    Guarantees: the lines of one rate are summed first, and VAT is rounded once on that sum
    (BR-CO-17); with tax-inclusive prices the gross of each rate is exactly the sum of its
    lines and the VAT is what that gross contains; with tax-exclusive prices the base is
    exactly the sum of its lines. Exempt categories carry no VAT.
    """
    groups: dict[tuple[str, Decimal], list[Money]] = {}
    for line in lines:
        groups.setdefault((line.category, line.rate), []).append(line.amount)
    totals = []
    for (category, rate), amounts in sorted(groups.items()):
        summed = _sum(amounts, currency).round()
        if rate == ZERO:
            totals.append(RateTotal(category, rate, summed, Money.zero(currency)))
        elif prices_include_tax:
            base = summed.excluding_percent(rate).round()
            totals.append(RateTotal(category, rate, base, summed - base))
        else:
            totals.append(RateTotal(category, rate, summed, summed.percent(rate).round()))
    return totals
