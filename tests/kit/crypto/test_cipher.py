"""Field ciphertexts: they round-trip, and only where they were written."""

from __future__ import annotations

import secrets
import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st

from comptoir.kit.crypto.cipher import (
    CiphertextError,
    FieldContext,
    decrypt_field,
    encrypt_field,
    key_version_of,
)

KEY = bytes(range(32))
ROW = uuid.UUID("0190f1f0-0000-7000-8000-000000000001")
HERE = FieldContext("people", "email", ROW)


@given(st.text(), st.integers(min_value=0, max_value=2**32 - 1))
def test_any_text_round_trips(text: str, key_version: int) -> None:
    # given / when
    ciphertext = encrypt_field(KEY, key_version, HERE, text.encode())
    # then
    assert decrypt_field(KEY, HERE, ciphertext).decode() == text
    assert key_version_of(ciphertext) == key_version


def test_the_format_is_version_byte_key_version_nonce_and_sealed_body() -> None:
    ciphertext = encrypt_field(KEY, 7, HERE, b"ada")
    assert ciphertext[0] == 1
    assert ciphertext[1:5] == (7).to_bytes(4, "big")
    assert len(ciphertext) == 1 + 4 + 12 + len(b"ada") + 16


def test_two_encryptions_of_one_value_differ() -> None:
    assert encrypt_field(KEY, 1, HERE, b"ada") != encrypt_field(KEY, 1, HERE, b"ada")


@pytest.mark.parametrize("position", [0, 5, 17, -1])
def test_a_changed_byte_is_refused(position: int) -> None:
    # given
    ciphertext = bytearray(encrypt_field(KEY, 1, HERE, b"ada@example.com"))
    # when
    ciphertext[position] ^= 0x01
    # then
    with pytest.raises(CiphertextError):
        decrypt_field(KEY, HERE, bytes(ciphertext))


@pytest.mark.parametrize(
    "elsewhere",
    [
        FieldContext("people", "email", uuid.UUID(int=ROW.int + 1)),
        FieldContext("people", "phone", ROW),
        FieldContext("addresses", "email", ROW),
    ],
    ids=["other row", "other column", "other table"],
)
def test_a_ciphertext_moved_elsewhere_is_refused(elsewhere: FieldContext) -> None:
    ciphertext = encrypt_field(KEY, 1, HERE, b"ada@example.com")
    with pytest.raises(CiphertextError, match="does not authenticate"):
        decrypt_field(KEY, elsewhere, ciphertext)


def test_another_key_is_refused() -> None:
    ciphertext = encrypt_field(KEY, 1, HERE, b"ada@example.com")
    with pytest.raises(CiphertextError):
        decrypt_field(secrets.token_bytes(32), HERE, ciphertext)


def test_a_truncated_value_is_refused() -> None:
    with pytest.raises(CiphertextError, match="too short"):
        decrypt_field(KEY, HERE, b"\x01\x00\x00\x00\x01short")
