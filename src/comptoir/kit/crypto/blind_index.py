"""Blind indexes: HMAC-SHA256 of a normalised value, for exact lookups on encrypted columns.

The key is the keyring's blind-index key (never a KEK), and each kind of value has its own
domain, so an e-mail index and a phone index of the same text differ.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata
from collections.abc import Callable
from typing import Final

_PHONE_SEPARATORS: Final = re.compile(r"[\s().\-/]")


def normalise_email(value: str) -> str:
    """Trimmed, Unicode NFC, lower-case."""
    return unicodedata.normalize("NFC", value.strip()).lower()


def normalise_phone(value: str, *, default_country_code: str = "33") -> str:
    """E.164 (``+33612345678``) when the number can be read as one, else its bare text.

    ``+CC...`` and ``00CC...`` are international; a national number starting with a single
    ``0`` takes ``default_country_code``. Anything else (letters, extensions) is kept
    trimmed, so that it still matches itself.
    """
    compact = _PHONE_SEPARATORS.sub("", value.strip())
    if compact.startswith("00"):
        compact = "+" + compact[2:]
    elif compact.startswith("0") and compact[1:].isdigit():
        compact = f"+{default_country_code}{compact[1:]}"
    if compact.startswith("+") and compact[1:].isdigit() and 8 <= len(compact) - 1 <= 15:
        return compact
    return value.strip()


def normalise_text(value: str) -> str:
    """Trimmed, Unicode NFC, case-folded."""
    return unicodedata.normalize("NFC", value.strip()).casefold()


NORMALISERS: Final[dict[str, Callable[[str], str]]] = {
    "email": normalise_email,
    "phone": normalise_phone,
    "text": normalise_text,
}


def compute_blind_index(key: bytes, kind: str, value: str) -> bytes:
    """The 32-byte blind index of ``value`` of this ``kind`` (``email``, ``phone``,
    ``text``); raises ``KeyError`` for an unknown kind."""
    normalised = NORMALISERS[kind](value)
    message = kind.encode() + b"\x00" + normalised.encode()
    return hmac.new(key, message, hashlib.sha256).digest()
