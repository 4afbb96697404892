"""The phone normaliser: French and common European ways of writing numbers, to E.164."""

from __future__ import annotations

import pytest

from comptoir.customers.phones import InvalidPhoneNumber, normalise_phone


@pytest.mark.parametrize(
    ("written", "e164"),
    [
        ("06 12 34 56 78", "+33612345678"),
        ("06.12.34.56.78", "+33612345678"),
        ("06-12-34-56-78", "+33612345678"),
        ("+33 6 12 34 56 78", "+33612345678"),
        ("+33 (0)6 12 34 56 78", "+33612345678"),
        ("0033 6 12 34 56 78", "+33612345678"),
        ("+33 06 12 34 56 78", "+33612345678"),
        ("01 23 45 67 89", "+33123456789"),
        ("0692 12 34 56", "+262692123456"),
        ("+32 470 12 34 56", "+32470123456"),
        ("+49 30 1234567", "+49301234567"),
        ("+39 06 1234 5678", "+390612345678"),
        ("+34 612 34 56 78", "+34612345678"),
        ("+352 621 123 456", "+352621123456"),
        ("+41 (0)79 123 45 67", "+41791234567"),
        ("+1 415 555 0100", "+14155550100"),
    ],
)
def test_numbers_are_normalised_to_e164(written: str, e164: str) -> None:
    assert normalise_phone(written) == e164


def test_a_national_number_is_read_in_the_country_asked() -> None:
    assert normalise_phone("0470 12 34 56", default_country="BE") == "+32470123456"


@pytest.mark.parametrize(
    "written", ["06 12 34 56", "6 12 34 56 78", "06 12 34 56 78 90", "call me", "+33 6 12", ""]
)
def test_what_is_not_a_number_is_refused(written: str) -> None:
    with pytest.raises(InvalidPhoneNumber):
        normalise_phone(written)


def test_normalising_is_idempotent() -> None:
    once = normalise_phone("06 12 34 56 78")
    assert normalise_phone(once) == once
