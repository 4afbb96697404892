"""VAT by destination and totals per rate: the treatment of each destination, the EU rates
data, VAT number formats, and (property tests) the per-rate totals' invariants."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from comptoir.customers.service import is_valid_vat_number
from comptoir.kit.money import Money
from comptoir.orders.vat import (
    EU_MEMBER_STATES,
    TaxedAmount,
    eu_rates,
    totals_per_rate,
    vat_treatment,
)

RATES = [Decimal("20"), Decimal("10"), Decimal("5.5"), Decimal("2.1"), Decimal("19"), Decimal(0)]


@pytest.mark.parametrize(
    ("destination", "vat_number", "scheme", "category"),
    [
        ("FR", None, "domestic", "S"),
        ("FR", "FR40303265045", "domestic", "S"),
        ("DE", None, "oss", "S"),
        ("DE", "DE123456789", "intra_eu_b2b", "K"),
        ("CH", None, "export", "G"),
        ("US", "DE123456789", "export", "G"),
    ],
)
def test_each_destination_has_its_treatment(
    destination: str, vat_number: str | None, scheme: str, category: str
) -> None:
    treatment = vat_treatment(destination, vat_number=vat_number)

    assert (treatment.scheme, treatment.category) == (scheme, category)


def test_the_eu_data_covers_the_27_member_states_in_2026() -> None:
    on = date(2026, 11, 23)

    rates = {country: eu_rates(country, on) for country in EU_MEMBER_STATES}

    assert len(rates) == 27
    assert all(rate is not None and rate.standard >= 15 for rate in rates.values())
    assert {c: r.standard for c, r in rates.items() if r and c in {"DE", "FR", "HU", "LU"}} == {
        "DE": Decimal("19"),
        "FR": Decimal("20"),
        "HU": Decimal("27"),
        "LU": Decimal("17"),
    }


def test_a_rate_change_applies_from_its_date() -> None:
    before = eu_rates("EE", date(2025, 6, 30))
    after = eu_rates("EE", date(2025, 7, 1))

    assert (before and before.standard, after and after.standard) == (Decimal(22), Decimal(24))
    assert eu_rates("CH", date(2026, 1, 1)) is None
    assert eu_rates("DE", date(2020, 1, 1)) is None


@pytest.mark.parametrize(
    ("number", "country", "valid"),
    [
        ("FR40303265045", "FR", True),
        ("FR 40 303 265 045", None, True),
        ("FR41303265045", "FR", False),  # wrong key
        ("DE123456789", "DE", True),
        ("DE12345678", "DE", False),
        ("EL123456789", "GR", True),
        ("NL123456789B01", "NL", True),
        ("ATU12345678", "AT", True),
        ("DE123456789", "FR", False),
        ("XX123", None, False),
    ],
)
def test_vat_numbers_are_checked_for_their_country_format(
    number: str, country: str | None, valid: bool
) -> None:
    assert is_valid_vat_number(number, country) is valid


def test_vat_is_rounded_once_per_rate_not_per_line() -> None:
    # three lines of 0.10 at 20 % (tax-exclusive): per line 0.02 each -> 0.06; per rate 0.06
    # and three of 0.05 at 5.5 %: per line 0.00 each; on the total (0.15) 0.01
    lines = [TaxedAmount(Money(Decimal("0.10"), "EUR"), Decimal(20), "S")] * 3 + [
        TaxedAmount(Money(Decimal("0.05"), "EUR"), Decimal("5.5"), "S")
    ] * 3

    totals = totals_per_rate(lines, prices_include_tax=False, currency="EUR")

    assert [(t.rate, t.base.minor_units, t.tax.minor_units) for t in totals] == [
        (Decimal("5.5"), 15, 1),
        (Decimal(20), 30, 6),
    ]


amounts = st.integers(min_value=0, max_value=10_000_000)
lines_strategy = st.lists(st.tuples(amounts, st.sampled_from(RATES)), min_size=1, max_size=30)


@given(lines=lines_strategy)
def test_tax_inclusive_totals_add_up_to_the_lines_exactly(lines: list[tuple[int, Decimal]]) -> None:
    taxed = [
        TaxedAmount(Money.from_minor(minor, "EUR"), rate, "S" if rate else "G")
        for minor, rate in lines
    ]

    totals = totals_per_rate(taxed, prices_include_tax=True, currency="EUR")

    # the gross of every rate is exactly the sum of its lines, and so is the grand total
    assert sum(t.gross.minor_units for t in totals) == sum(minor for minor, _ in lines)
    for total in totals:
        gross = sum(minor for minor, rate in lines if rate == total.rate)
        assert total.gross.minor_units == gross
        # the VAT is what that gross holds, to the nearest cent
        exact = Decimal(gross) * total.rate / (100 + total.rate)
        assert abs(Decimal(total.tax.minor_units) - exact) <= Decimal("0.5")
        assert total.tax.minor_units >= 0


@given(lines=lines_strategy)
def test_tax_exclusive_totals_keep_the_base_and_round_vat_once(
    lines: list[tuple[int, Decimal]],
) -> None:
    taxed = [
        TaxedAmount(Money.from_minor(minor, "EUR"), rate, "S" if rate else "G")
        for minor, rate in lines
    ]

    totals = totals_per_rate(taxed, prices_include_tax=False, currency="EUR")

    assert len({(t.category, t.rate) for t in totals}) == len(totals)
    for total in totals:
        base = sum(minor for minor, rate in lines if rate == total.rate)
        assert total.base.minor_units == base
        exact = Decimal(base) * total.rate / 100
        assert abs(Decimal(total.tax.minor_units) - exact) <= Decimal("0.5")
        if total.rate == 0:
            assert total.tax.is_zero
