"""VAT by destination for a shop established in France, and VAT totals per rate.

Which VAT a sale of goods carries depends on where it is delivered and to whom:

- **domestic** (delivered in the shop's country): the catalogue's rate of the product's tax
  class in that country (category ``S``);
- **oss** (a consumer in another EU member state, distance sales declared through the EU
  one-stop shop): the destination's rate: the catalogue's rate of the tax class in that
  country when the shop recorded one, else the destination's standard rate from
  ``data/eu_vat_rates.json`` for a standard-rated class (category ``S``);
- **intra_eu_b2b** (a business in another member state with a checked VAT number): exempt intra-
  community supply, the buyer accounts for the VAT (reverse charge, category ``K``, 0 %);
- **export** (delivered outside the EU, or to a French overseas département, postcodes
  971 to 976, or collectivity: outside the EU VAT territory, exempt as an export, the
  octroi de mer being the importer's business): exempt (category ``G``, 0 %).

A business's VAT number counts when its format is right and VIES said it is registered (or
VIES was not consulted, or could not answer and ``COMPTOIR_VIES_UNAVAILABLE_POLICY`` is
``accept_format``). While the shop's EU distance sales to consumers stay under EUR 10,000
(``COMPTOIR_OSS_THRESHOLD_EXCEEDED=false``) consumers elsewhere in the EU pay French VAT.

VAT is computed once per rate on the sum of the lines of that rate and rounded there (EN 16931
rule BR-CO-17), never line by line.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cache
from importlib import resources
from typing import Any, Final, Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from comptoir.kit.money import Money

HOME_COUNTRY: Final = "FR"
ZERO: Final = Decimal(0)

VatScheme = Literal["domestic", "oss", "intra_eu_b2b", "export"]
# EN 16931 VAT category codes (UNTDID 5305): standard rate, intra-community supply, export.
CATEGORY_STANDARD: Final = "S"
CATEGORY_INTRA_EU: Final = "K"
CATEGORY_EXPORT: Final = "G"

# First three digits of the French postcodes outside the EU VAT territory (see
# is_overseas_export).
OVERSEAS_POSTCODE_PREFIXES: Final = frozenset(
    {"971", "972", "973", "974", "975", "976", "977", "978", "984", "986", "987", "988"}
)
UnavailablePolicy = Literal["charge_vat", "accept_format"]


class VatSettings(BaseSettings):
    """The shop's VAT position (read from ``COMPTOIR_*`` variables on each use)."""

    model_config = SettingsConfigDict(env_prefix="COMPTOIR_", extra="ignore", frozen=True)

    oss_threshold_exceeded: bool = Field(
        default=True,
        description="Whether the shop's EU distance sales to consumers passed EUR 10,000 "
        "this calendar year or the last: true, consumers pay their country's VAT (one-stop "
        "shop); false, they pay French VAT (COMPTOIR_OSS_THRESHOLD_EXCEEDED).",
    )
    vies_unavailable_policy: UnavailablePolicy = Field(
        default="charge_vat",
        description="When VIES cannot say whether a business's VAT number is registered: "
        "'charge_vat' (no reverse charge) or 'accept_format' (reverse charge on the format "
        "check, VIES's silence recorded) (COMPTOIR_VIES_UNAVAILABLE_POLICY).",
    )


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


def is_overseas_export(country: str, postcode: str | None) -> bool:
    """Whether a French address is outside the EU's VAT territory: Guadeloupe (971),
    Martinique (972), Guyane (973), La Réunion (974), Mayotte (976) and the overseas
    collectivities (975, 977, 978, 984 to 988). Monaco (980) is French VAT territory."""
    code = (postcode or "").strip().replace(" ", "")
    return country.upper() == "FR" and code[:3] in OVERSEAS_POSTCODE_PREFIXES


def reverse_charge_applies(
    *, checked: bool, valid: bool | None, unavailable_policy: UnavailablePolicy
) -> bool:
    """Whether a VAT number whose format is right makes the sale an intra-community supply,
    given its VIES check: not consulted (VIES disabled: the format decides), registered,
    or unknown (VIES could not answer) with the ``accept_format`` policy."""
    if not checked or valid is True:
        return True
    if valid is False:
        return False
    return unavailable_policy == "accept_format"


def vat_treatment(
    destination: str,
    *,
    vat_number: str | None = None,
    origin: str = HOME_COUNTRY,
    postcode: str | None = None,
    oss_threshold_exceeded: bool = True,
) -> VatTreatment:
    """How goods shipped from ``origin`` to ``destination`` are taxed.

    A ``vat_number`` turns a sale to another member state into an intra-community supply;
    its format and registration must have been checked (``customers.service``). A French
    ``postcode`` of an overseas département is an export. Below the EU distance-sales
    threshold (``oss_threshold_exceeded`` false), a consumer elsewhere in the EU pays the
    origin's VAT (scheme ``domestic`` of the origin country).
    """
    country = destination.upper()
    if is_overseas_export(country, postcode) and origin.upper() == HOME_COUNTRY:
        return VatTreatment("export", country)
    if country == origin.upper():
        return VatTreatment("domestic", country)
    if country not in EU_MEMBER_STATES:
        return VatTreatment("export", country)
    if vat_number:
        return VatTreatment("intra_eu_b2b", country)
    if not oss_threshold_exceeded:
        return VatTreatment("domestic", origin.upper())
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
