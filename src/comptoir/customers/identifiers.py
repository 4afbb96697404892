"""French company numbers (SIREN, SIRET) and intra-EU VAT numbers: normalised and checked.

SIREN (9 digits) and SIRET (14 digits: SIREN + 5-digit establishment number) carry a Luhn
key. La Poste is the one exception: its establishments share the SIREN 356000000 and their
SIRETs are valid when the sum of their digits is a multiple of 5. VAT numbers are checked
against each member state's format; French ones also by their key,
``(12 + 3 * (SIREN mod 97)) mod 97``, when the key is numeric.
"""

from __future__ import annotations

import re
from typing import Final

LA_POSTE_SIREN: Final = "356000000"
_SEPARATORS: Final = re.compile(r"[\s.\-]")

# The national part of a VAT number after its two-letter prefix (VIES formats).
VAT_FORMATS: Final[dict[str, re.Pattern[str]]] = {
    country: re.compile(pattern)
    for country, pattern in {
        "AT": r"U\d{8}",
        "BE": r"[01]\d{9}",
        "BG": r"\d{9,10}",
        "CY": r"\d{8}[A-Z]",
        "CZ": r"\d{8,10}",
        "DE": r"\d{9}",
        "DK": r"\d{8}",
        "EE": r"\d{9}",
        "EL": r"\d{9}",
        "ES": r"[0-9A-Z]\d{7}[0-9A-Z]",
        "FI": r"\d{8}",
        "FR": r"[0-9A-HJ-NP-Z]{2}\d{9}",
        "HR": r"\d{11}",
        "HU": r"\d{8}",
        "IE": r"\d{7}[A-WY][A-I]?|\d[+*A-Z]\d{5}[A-W]",
        "IT": r"\d{11}",
        "LT": r"\d{9}|\d{12}",
        "LU": r"\d{8}",
        "LV": r"\d{11}",
        "MT": r"\d{8}",
        "NL": r"\d{9}B\d{2}",
        "PL": r"\d{10}",
        "PT": r"\d{9}",
        "RO": r"[1-9]\d{1,9}",
        "SE": r"\d{10}01",
        "SI": r"\d{8}",
        "SK": r"\d{10}",
        "XI": r"\d{9}|\d{12}|GD\d{3}|HA\d{3}",
    }.items()
}


def compact(value: str) -> str:
    """``value`` upper-cased without spaces, dots or dashes."""
    return _SEPARATORS.sub("", value).upper()


def luhn_is_valid(digits: str) -> bool:
    """Whether a string of digits passes the Luhn check (``False`` for anything else)."""
    if not digits.isascii() or not digits.isdigit():
        return False
    total = 0
    for position, char in enumerate(reversed(digits)):
        digit = int(char)
        if position % 2 == 1:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return total % 10 == 0


def is_valid_siren(value: str) -> bool:
    """A SIREN: 9 digits with a valid Luhn key (separators allowed)."""
    siren = compact(value)
    return len(siren) == 9 and luhn_is_valid(siren)


def is_valid_siret(value: str) -> bool:
    """A SIRET: 14 digits with a valid Luhn key, or a La Poste establishment (SIREN
    356000000) whose digits add up to a multiple of 5."""
    siret = compact(value)
    if len(siret) != 14 or not siret.isascii() or not siret.isdigit():
        return False
    if luhn_is_valid(siret):
        return True
    return siret.startswith(LA_POSTE_SIREN) and sum(int(c) for c in siret) % 5 == 0


def french_vat_key(siren: str) -> int:
    """The numeric key of the French VAT number of ``siren`` (9 digits)."""
    return (12 + 3 * (int(siren) % 97)) % 97


def french_vat_number(siren: str) -> str:
    """``FRkk`` + SIREN, the French intra-EU VAT number of a company."""
    siren = compact(siren)
    return f"FR{french_vat_key(siren):02d}{siren}"


def vat_prefix(country: str) -> str:
    """The VAT-number prefix of an ISO country (``GR`` -> ``EL``)."""
    code = country.strip().upper()
    return "EL" if code == "GR" else code


def is_valid_vat_number(value: str, country: str | None = None) -> bool:
    """An intra-EU VAT number (of ``country``, an ISO code, when given): a member state
    prefix (``EL`` for Greece, ``XI`` for Northern Ireland) and its national format; for
    France, the key must match the SIREN when the key is numeric (the alphanumeric keys of
    newer numbers cannot be checked offline). Whether the number is registered is for VIES
    to say (:mod:`comptoir.customers.vies`)."""
    vat = compact(value)
    if country is not None and vat[:2] != vat_prefix(country):
        return False
    pattern = VAT_FORMATS.get(vat[:2])
    if pattern is None or not pattern.fullmatch(vat[2:]):
        return False
    if vat[:2] == "FR" and vat[2:4].isdigit():
        return int(vat[2:4]) == french_vat_key(vat[4:])
    return True
