"""Checking and normalising what people type about a customer, every problem at once with
the field it belongs to, in the reader's language."""

from __future__ import annotations

import re
from typing import Final

from babel import Locale as BabelLocale

from comptoir.customers import identifiers
from comptoir.customers.errors import InvalidCustomer
from comptoir.customers.phones import InvalidPhoneNumber, normalise_phone
from comptoir.kit.http.validation import FieldIssue
from comptoir.kit.i18n import lazy_gettext as _l

_EMAIL: Final = re.compile(r"^[^@\s]{1,64}@[^@\s.]+(\.[^@\s.]+)+$")
# CLDR territories that are not ISO 3166-1 alpha-2 country codes.
_NOT_COUNTRIES: Final = frozenset(
    {"AC", "CP", "DG", "EA", "EU", "EZ", "IC", "QO", "TA", "UN", "XA", "XB", "XK", "ZZ"}
)
COUNTRIES: Final = frozenset(
    str(code)
    for code in BabelLocale("en").territories
    if isinstance(code, str) and len(code) == 2 and code.isalpha() and code not in _NOT_COUNTRIES
)


class Issues:
    """Problems found so far; :meth:`raise_if_any` raises them together."""

    def __init__(self, prefix: str = "") -> None:
        self.prefix = prefix
        self.found: list[FieldIssue] = []

    def add(self, field: str, message: object, **params: object) -> None:
        self.found.append(FieldIssue(f"{self.prefix}{field}", message, params))  # type: ignore[arg-type]

    def raise_if_any(self) -> None:
        if self.found:
            raise InvalidCustomer(issues=self.found)


def check_email(value: str | None, issues: Issues, field: str = "email") -> str | None:
    """The e-mail trimmed, or ``None``; an issue if it is not an address."""
    if value is None or not value.strip():
        return None
    email = value.strip()
    if not _EMAIL.match(email) or len(email) > 254:
        issues.add(field, _l("This is not a valid e-mail address."))
    return email


def check_phone(value: str | None, issues: Issues, field: str = "phone") -> str | None:
    """The phone in E.164, or ``None``; an issue if it cannot be read as a number."""
    if value is None or not value.strip():
        return None
    try:
        return normalise_phone(value)
    except InvalidPhoneNumber:
        issues.add(
            field,
            _l(
                "This is not a valid phone number: write it as 06 12 34 56 78 or +33 6 12 34 56 78."
            ),
        )
        return value


def check_country(value: str, issues: Issues, field: str = "country") -> str:
    country = value.strip().upper()
    if country not in COUNTRIES:
        issues.add(field, _l("This is not a country code (ISO 3166-1, such as FR)."))
    return country


def check_company_numbers(
    siren: str | None, siret: str | None, vat_number: str | None, issues: Issues
) -> tuple[str | None, str | None, str | None]:
    """SIREN, SIRET and VAT number compacted and checked, alone and against each other.
    A SIRET without a SIREN gives its SIREN."""
    siren = identifiers.compact(siren) if siren else None
    siret = identifiers.compact(siret) if siret else None
    vat = identifiers.compact(vat_number) if vat_number else None
    if siren is not None and not identifiers.is_valid_siren(siren):
        issues.add("siren", _l("A SIREN has 9 digits and a valid check key."))
    if siret is not None:
        if not identifiers.is_valid_siret(siret):
            issues.add("siret", _l("A SIRET has 14 digits and a valid check key."))
        elif siren is None:
            siren = siret[:9]
        elif siret[:9] != siren:
            issues.add("siret", _l("This SIRET does not belong to the SIREN given."))
    if vat is not None:
        if vat.startswith("GR"):
            issues.add("vat_number", _l("Greek VAT numbers start with EL, not GR."))
        elif not identifiers.is_valid_vat_number(vat):
            issues.add("vat_number", _l("This is not a valid EU VAT number."))
        elif vat.startswith("FR") and siren is not None and vat[4:] != siren:
            issues.add("vat_number", _l("This VAT number does not match the SIREN."))
    return siren, siret, vat
