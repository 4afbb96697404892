"""Blind indexes: equal for equal normalised values, different across kinds and keys."""

from __future__ import annotations

import secrets

import pytest
from hypothesis import given
from hypothesis import strategies as st

from comptoir.kit.crypto.blind_index import compute_blind_index, normalise_email, normalise_phone

KEY = bytes(32)


def test_an_email_is_trimmed_and_lower_cased() -> None:
    assert normalise_email("  Ada.Lovelace@Example.COM \n") == "ada.lovelace@example.com"


@pytest.mark.parametrize(
    ("raw", "e164"),
    [
        ("+33 6 12 34 56 78", "+33612345678"),
        ("0033 6 12 34 56 78", "+33612345678"),
        ("06.12.34.56.78", "+33612345678"),
        ("(06) 12-34-56-78", "+33612345678"),
        ("+1 (415) 555-0100", "+14155550100"),
    ],
)
def test_a_readable_phone_number_becomes_e164(raw: str, e164: str) -> None:
    assert normalise_phone(raw) == e164


def test_an_unreadable_phone_number_is_kept_trimmed() -> None:
    assert normalise_phone("  call the shop ") == "call the shop"


def test_the_same_email_written_differently_has_one_index() -> None:
    assert compute_blind_index(KEY, "email", "Ada@Example.com ") == compute_blind_index(
        KEY, "email", "ada@example.com"
    )


def test_kinds_have_separate_domains() -> None:
    assert compute_blind_index(KEY, "email", "0612") != compute_blind_index(KEY, "text", "0612")


def test_another_key_gives_another_index() -> None:
    value = "ada@example.com"
    assert compute_blind_index(KEY, "email", value) != compute_blind_index(
        secrets.token_bytes(32), "email", value
    )


@given(st.emails())
def test_an_index_is_32_bytes_and_case_insensitive_for_emails(email: str) -> None:
    index = compute_blind_index(KEY, "email", email.upper())
    assert len(index) == 32
    assert index == compute_blind_index(KEY, "email", email.lower())
