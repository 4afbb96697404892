"""GTIN barcodes (GTIN-8, UPC-A/GTIN-12, EAN-13/GTIN-13, GTIN-14) and their check digit."""

from __future__ import annotations

from typing import Final

from comptoir.catalog.errors import InvalidBarcode
from comptoir.kit.i18n import lazy_gettext as _l

GTIN_LENGTHS: Final = (8, 12, 13, 14)


def gtin_check_digit(body: str) -> int:
    """The GS1 check digit of ``body`` (a GTIN without its last digit).

    Digits are weighted 3, 1, 3, ... from the right; the check digit brings the sum to a
    multiple of ten. Raises ``ValueError`` if ``body`` is not all digits or empty.
    """
    if not body or not body.isascii() or not body.isdigit():
        raise ValueError("a GTIN body is made of digits")
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10


def is_valid_gtin(code: str) -> bool:
    """Whether ``code`` is 8, 12, 13 or 14 digits with a correct check digit."""
    if len(code) not in GTIN_LENGTHS or not code.isascii() or not code.isdigit():
        return False
    return gtin_check_digit(code[:-1]) == int(code[-1])


def normalise_gtin(code: str, *, field: str = "barcode") -> str:
    """``code`` without surrounding spaces, checked.

    Raises :class:`InvalidBarcode` (naming ``field``) for a wrong length, a non-digit or a
    wrong check digit.
    """
    cleaned = code.strip()
    if not is_valid_gtin(cleaned):
        raise InvalidBarcode(
            _l("{code} is not a valid GTIN-8, GTIN-12, EAN-13 or GTIN-14."),
            field=field,
            code=cleaned,
        )
    return cleaned
