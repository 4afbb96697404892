"""Phone numbers in E.164 (``+33612345678``), from the ways people write them in France and
its neighbours: ``06 12 34 56 78``, ``+33 (0)6 12 34 56 78``, ``0033 6...``, ``+32 470 12 34
56``. No dependency: a small table of country codes, national number lengths and whether the
country dials a trunk ``0`` at home.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

_SEPARATORS: Final = re.compile(r"[\s.\-/()\u00a0\u202f]")
_TRUNK_IN_BRACKETS: Final = re.compile(r"^(\+\d{1,3})\s*\(0\)")


@dataclass(frozen=True, slots=True)
class CountryPlan:
    """How one country writes its numbers: calling code, national number lengths (without
    the trunk prefix), and whether national numbers start with a trunk ``0``."""

    calling_code: str
    lengths: tuple[int, ...]
    trunk_zero: bool = True


PLANS: Final[dict[str, CountryPlan]] = {
    "FR": CountryPlan("33", (9,)),
    "BE": CountryPlan("32", (8, 9)),
    "LU": CountryPlan("352", tuple(range(4, 12)), trunk_zero=False),
    "DE": CountryPlan("49", tuple(range(6, 14))),
    "CH": CountryPlan("41", (9,)),
    "IT": CountryPlan("39", tuple(range(6, 12)), trunk_zero=False),
    "ES": CountryPlan("34", (9,), trunk_zero=False),
    "PT": CountryPlan("351", (9,), trunk_zero=False),
    "NL": CountryPlan("31", (9,)),
    "AT": CountryPlan("43", tuple(range(4, 14))),
    "IE": CountryPlan("353", (7, 8, 9)),
    "GB": CountryPlan("44", (9, 10)),
    "MC": CountryPlan("377", (8, 9), trunk_zero=False),
    "DK": CountryPlan("45", (8,), trunk_zero=False),
    "SE": CountryPlan("46", tuple(range(7, 10))),
    "PL": CountryPlan("48", (9,), trunk_zero=False),
    # French overseas departments dial their own calling codes.
    "RE": CountryPlan("262", (9,)),
    "GP": CountryPlan("590", (9,)),
    "GF": CountryPlan("594", (9,)),
    "MQ": CountryPlan("596", (9,)),
}
_BY_CODE: Final = {plan.calling_code: plan for plan in PLANS.values()}

# A French national number of an overseas department goes to its own calling code.
_FRENCH_OVERSEAS: Final = {
    "262": "262",
    "263": "262",
    "269": "262",
    "692": "262",
    "693": "262",
    "639": "262",
    "590": "590",
    "690": "590",
    "691": "590",
    "594": "594",
    "694": "594",
    "596": "596",
    "696": "596",
    "697": "596",
}


class InvalidPhoneNumber(ValueError):
    """The text cannot be read as a phone number."""


def normalise_phone(value: str, *, default_country: str = "FR") -> str:
    """``value`` in E.164. A national number (one leading ``0``, or none for countries
    without a trunk prefix) is read in ``default_country``. Raises
    :class:`InvalidPhoneNumber` when the number has letters, a wrong length for its
    country, or no country."""
    text = _TRUNK_IN_BRACKETS.sub(r"\1", value.strip())
    digits = _SEPARATORS.sub("", text)
    if digits.startswith("00"):
        digits = "+" + digits[2:]
    if digits.startswith("+"):
        return _international(digits[1:])
    if not digits.isascii() or not digits.isdigit():
        raise InvalidPhoneNumber(value)
    plan = PLANS.get(default_country.upper())
    if plan is None:
        raise InvalidPhoneNumber(value)
    if plan.trunk_zero:
        if not digits.startswith("0") or digits.startswith("00"):
            raise InvalidPhoneNumber(value)
        digits = digits[1:]
    if plan.calling_code == "33" and digits[:3] in _FRENCH_OVERSEAS:
        return _checked(_BY_CODE[_FRENCH_OVERSEAS[digits[:3]]], digits, value)
    return _checked(plan, digits, value)


def _international(number: str) -> str:
    if not number.isascii() or not number.isdigit():
        raise InvalidPhoneNumber(number)
    for size in (1, 2, 3):
        plan = _BY_CODE.get(number[:size])
        if plan is not None:
            national = number[size:]
            if plan.trunk_zero and national.startswith("0"):
                national = national[1:]  # "+33 06...": the trunk zero written by habit
            return _checked(plan, national, number)
    # A country we have no plan for: E.164 allows up to 15 digits, country code included.
    if 8 <= len(number) <= 15 and not number.startswith("0"):
        return "+" + number
    raise InvalidPhoneNumber(number)


def _checked(plan: CountryPlan, national: str, original: str) -> str:
    if len(national) not in plan.lengths or (plan.trunk_zero and national.startswith("0")):
        raise InvalidPhoneNumber(original)
    return f"+{plan.calling_code}{national}"


def is_valid_phone(value: str, *, default_country: str = "FR") -> bool:
    try:
        normalise_phone(value, default_country=default_country)
    except InvalidPhoneNumber:
        return False
    return True
