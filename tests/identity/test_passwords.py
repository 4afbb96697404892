"""Password hashing (argon2id) and the password policy."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher, Type
from hypothesis import given, settings
from hypothesis import strategies as st

from comptoir.identity.passwords import (
    PasswordRejected,
    check_policy,
    hash_password,
    needs_rehash,
    verify_password,
)


def test_a_hash_is_argon2id_with_owasp_parameters() -> None:
    # when a password is hashed
    hashed = hash_password("une phrase assez longue")

    # then it is argon2id, 19 MiB, 2 iterations, 1 lane
    assert hashed.startswith("$argon2id$v=19$m=19456,t=2,p=1$")


def test_the_right_password_matches_and_a_wrong_one_does_not() -> None:
    # given a stored hash
    hashed = hash_password("une phrase assez longue")

    # then only the same password matches
    assert verify_password(hashed, "une phrase assez longue") is True
    assert verify_password(hashed, "une phrase assez longuE") is False


def test_a_malformed_hash_never_matches() -> None:
    assert verify_password("not-a-hash", "une phrase assez longue") is False


def test_a_hash_made_with_other_parameters_needs_rehashing() -> None:
    # given a hash made with weaker parameters
    weaker = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1, type=Type.ID)
    old_hash = hash_password("une phrase assez longue", hasher=weaker)

    # then it still verifies, but asks to be replaced; a current hash does not
    assert verify_password(old_hash, "une phrase assez longue") is True
    assert needs_rehash(old_hash) is True
    assert needs_rehash(hash_password("une phrase assez longue")) is False


def test_passwords_are_compared_in_nfkc_form() -> None:
    # given a password typed with the "fi" ligature and full-width digits
    hashed = hash_password("\ufb01let de bœuf \uff11\uff12\uff13")

    # then the same text in plain characters matches
    assert verify_password(hashed, "filet de bœuf 123") is True


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("onze caract", "Use at least 12 characters."),
        ("x" * 129, "Use at most 128 characters."),
        ("qwerty123456", "This password is too common."),
        ("QWERTY123456", "This password is too common."),
    ],
)
def test_the_policy_refuses(password: str, message: str) -> None:
    # when a password outside the policy is checked
    with pytest.raises(PasswordRejected) as refused:
        check_policy(password)

    # then the reason is given on the password field
    assert refused.value.detail("en").startswith(message)
    assert refused.value.field == "password"


def test_length_is_counted_after_normalisation() -> None:
    # given 11 characters whose NFKC form is 12 ("ﬁ" becomes "fi")
    password = "ﬁ" + "abcdefghij"

    # then the policy accepts it
    assert check_policy(password) == "fiabcdefghij"


def test_the_policy_has_no_composition_rule() -> None:
    # then a long lowercase sentence, or any unicode, is accepted
    assert check_policy("le chat dort sur le canapé") == "le chat dort sur le canapé"
    assert check_policy("🦊🦊🦊 renard argenté") == "🦊🦊🦊 renard argenté"


FAST = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1, type=Type.ID)


@settings(max_examples=15, deadline=None)
@given(st.text(min_size=1, max_size=40))
def test_any_password_verifies_against_its_own_hash(password: str) -> None:
    assert verify_password(hash_password(password, hasher=FAST), password) is True
