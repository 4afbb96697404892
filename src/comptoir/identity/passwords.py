"""Passwords: argon2id hashing with OWASP's parameters, and the policy a new password meets.

The policy follows ASVS 5.0 (V6.2) and NIST SP 800-63B: at least 12 characters, at most 128,
any character allowed and no composition rules, and not one of the most common passwords.
Passwords are compared in Unicode NFKC form, so the same password typed on two keyboards that
compose an accent differently is the same password.
"""

from __future__ import annotations

import gzip
import unicodedata
from functools import lru_cache
from pathlib import Path
from typing import Final

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from comptoir.kit.errors import InvalidInput
from comptoir.kit.i18n import lazy_gettext as _l

MIN_LENGTH: Final = 12
MAX_LENGTH: Final = 128

# OWASP Password Storage Cheat Sheet: argon2id, 19 MiB, 2 iterations, 1 lane.
HASHER: Final = PasswordHasher(
    time_cost=2, memory_cost=19 * 1024, parallelism=1, hash_len=32, salt_len=16, type=Type.ID
)

# Django's list of 20,000 common passwords (django/contrib/auth/common-passwords.txt.gz, Django
# 5.2, BSD licence; compiled by Royce Williams from breach corpora), shipped unchanged.
BLOCKLIST_FILE: Final = Path(__file__).parent / "data" / "common-passwords.txt.gz"


class PasswordRejected(InvalidInput):
    slug = "password-rejected"
    title = _l("This password cannot be used.")


def normalise(password: str) -> str:
    """The form in which a password is hashed and checked: Unicode NFKC."""
    return unicodedata.normalize("NFKC", password)


@lru_cache(maxsize=1)
def _blocklist() -> frozenset[str]:
    with gzip.open(BLOCKLIST_FILE, "rt", encoding="utf-8") as lines:
        return frozenset(line.strip() for line in lines if line.strip())


def is_common(password: str) -> bool:
    """Whether ``password`` (any case) is one of the common passwords."""
    return normalise(password).casefold() in _blocklist()


def check_policy(password: str, *, field: str = "password") -> str:
    """The normalised password if it meets the policy.

    Raises :class:`PasswordRejected` (on ``field``) when it is shorter than 12 or longer than
    128 characters (counted after normalisation), or a common password.
    """
    normalised = normalise(password)
    if len(normalised) < MIN_LENGTH:
        raise PasswordRejected(
            _l("Use at least {count} characters."), field=field, count=MIN_LENGTH
        )
    if len(normalised) > MAX_LENGTH:
        raise PasswordRejected(_l("Use at most {count} characters."), field=field, count=MAX_LENGTH)
    if is_common(normalised):
        raise PasswordRejected(
            _l("This password is too common. Choose another one, a short sentence for example."),
            field=field,
        )
    return normalised


def hash_password(password: str, hasher: PasswordHasher = HASHER) -> str:
    """The argon2id hash (PHC string, salt and parameters included) of ``password``."""
    return hasher.hash(normalise(password))


def verify_password(password_hash: str, password: str, hasher: PasswordHasher = HASHER) -> bool:
    """Whether ``password`` matches ``password_hash``; never raises for a wrong password or a
    malformed hash."""
    try:
        return hasher.verify(password_hash, normalise(password))
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str, hasher: PasswordHasher = HASHER) -> bool:
    """Whether ``password_hash`` was made with other parameters than ``hasher``'s (then it is
    replaced at the next successful sign-in)."""
    try:
        return hasher.check_needs_rehash(password_hash)
    except InvalidHashError:
        return True


# Verified when the e-mail matches no account, so that the answer takes as long either way.
DUMMY_HASH: Final = hash_password("comptoir-no-such-account-0123456789")
