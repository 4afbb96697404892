"""SIREN, SIRET and VAT numbers: the Luhn key, La Poste's exception, the French VAT key and
the member states' formats."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from comptoir.customers.identifiers import (
    french_vat_key,
    french_vat_number,
    is_valid_siren,
    is_valid_siret,
    is_valid_vat_number,
    luhn_is_valid,
)

digits = st.text(alphabet="0123456789", min_size=1, max_size=20)


def _with_luhn_key(body: str) -> str:
    """``body`` followed by the digit that makes it Luhn-valid."""
    return next(body + d for d in "0123456789" if luhn_is_valid(body + d))


@given(st.text(alphabet="0123456789", min_size=8, max_size=8))
def test_any_eight_digits_with_their_key_make_a_valid_siren(body: str) -> None:
    assert is_valid_siren(_with_luhn_key(body))


@given(st.text(alphabet="0123456789", min_size=9, max_size=9), st.integers(1, 9))
def test_changing_one_digit_of_a_valid_siren_breaks_it(body: str, delta: int) -> None:
    siren = _with_luhn_key(body[:8])
    position = int(body[8]) % 9
    changed = siren[:position] + str((int(siren[position]) + delta) % 10) + siren[position + 1 :]
    assert not is_valid_siren(changed)


@given(digits)
def test_exactly_one_check_digit_completes_any_number(body: str) -> None:
    assert sum(luhn_is_valid(body + d) for d in "0123456789") == 1


@given(st.text(alphabet="0123456789", min_size=13, max_size=13))
def test_a_siret_with_its_luhn_key_is_valid(body: str) -> None:
    assert is_valid_siret(_with_luhn_key(body))


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        ("732 829 320", True),  # known SIREN, with spaces
        ("732829321", False),
        ("73282932", False),
        ("73282932A", False),
    ],
)
def test_known_sirens(value: str, valid: bool) -> None:
    assert is_valid_siren(value) is valid


def test_la_poste_establishments_are_valid_when_their_digits_add_up_to_five() -> None:
    # 35600000049837 fails the Luhn key but its digits add up to 45.
    assert not luhn_is_valid("35600000049837")
    assert is_valid_siret("35600000049837")
    assert not is_valid_siret("35600000049838")
    # the exception is La Poste's only
    assert not is_valid_siret("73282932000075")
    assert is_valid_siret("73282932000074")


@given(st.text(alphabet="0123456789", min_size=9, max_size=9))
def test_the_french_vat_number_of_a_siren_is_valid_and_a_wrong_key_is_not(siren: str) -> None:
    vat = french_vat_number(siren)
    wrong = f"FR{(french_vat_key(siren) + 1) % 97:02d}{siren}"
    assert is_valid_vat_number(vat)
    assert not is_valid_vat_number(wrong)


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        ("FR44732829320", True),
        ("fr 44 732 829 320", True),
        ("FR45732829320", False),
        ("DE123456789", True),
        ("DE12345678", False),
        ("BE0123456789", True),
        ("NL123456789B01", True),
        ("ESX1234567X", True),
        ("ATU12345678", True),
        ("EL123456789", True),
        ("GR123456789", False),
        ("IT12345678901", True),
        ("US123456789", False),
        ("", False),
    ],
)
def test_vat_numbers_by_member_state(value: str, valid: bool) -> None:
    assert is_valid_vat_number(value) is valid
