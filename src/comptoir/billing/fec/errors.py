"""The FEC export's domain errors (mapped once to RFC 9457 problems by the kit)."""

from __future__ import annotations

from collections.abc import Sequence

from comptoir.kit.errors import InvalidInput, NotFound
from comptoir.kit.http.validation import FieldIssue
from comptoir.kit.i18n import lazy_gettext as _l


class FiscalYearNotFound(NotFound):
    slug = "fec-fiscal-year-not-found"
    title = _l("No fiscal year closes in this year.")

    def __init__(self, year: int) -> None:
        super().__init__(
            _l("No fiscal year of the ledger closes in {year}: there is nothing to export."),
            field="year",
            year=year,
        )


class SirenMissing(InvalidInput):
    slug = "fec-siren-missing"
    title = _l("The seller's SIREN is not known.")

    def __init__(self) -> None:
        super().__init__(
            _l("Fill in the seller's SIREN (billing settings): the FEC file is named after it."),
            field="siren",
        )


class SirenInvalid(InvalidInput):
    slug = "fec-siren-invalid"
    title = _l("A SIREN is nine digits.")

    def __init__(self, siren: str) -> None:
        super().__init__(_l("{siren} is not a SIREN: nine digits."), field="siren", siren=siren)


class FecInvalid(InvalidInput):
    slug = "fec-invalid"
    title = _l("The FEC file breaks the administration's rules.")

    def __init__(self, count: int, *, issues: Sequence[FieldIssue] = ()) -> None:
        super().__init__(
            _l("The FEC file written breaks the administration's rules in {count} places."),
            issues=issues,
            count=count,
        )
