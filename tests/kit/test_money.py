"""Money: minor units, rounding at the edges, same-currency arithmetic, allocation, display."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from comptoir.kit.errors import InvalidInput
from comptoir.kit.money import (
    CURRENCY_EXPONENTS,
    CurrencyMismatch,
    Money,
    MoneyOut,
    UnknownCurrency,
    currency_exponent,
    parse_amount,
)

currencies = st.sampled_from(sorted(CURRENCY_EXPONENTS))
minor_units = st.integers(min_value=-(10**15), max_value=10**15)


# -- construction and minor units -------------------------------------------------------------


@given(units=minor_units, currency=currencies)
def test_minor_units_round_trip(units: int, currency: str) -> None:
    # given an amount stored as minor units
    # when it is read back as money and written again
    money = Money.from_minor(units, currency)
    # then nothing is lost
    assert money.minor_units == units
    assert money.currency == currency


@pytest.mark.parametrize(
    ("units", "currency", "amount"),
    [
        (12345, "EUR", Decimal("123.45")),
        (12345, "JPY", Decimal("12345")),
        (12345, "KWD", Decimal("12.345")),
        (12345, "TND", Decimal("12.345")),
        (12345, "CLF", Decimal("1.2345")),
        (-5, "EUR", Decimal("-0.05")),
    ],
)
def test_from_minor_uses_the_iso_exponent(units: int, currency: str, amount: Decimal) -> None:
    assert Money.from_minor(units, currency).amount == amount


def test_exponents_follow_iso_where_cldr_display_digits_differ() -> None:
    # CLDR shows Iraqi dinars and Serbian dinars without decimals; ISO says 3 and 2
    assert currency_exponent("IQD") == 3
    assert currency_exponent("RSD") == 2


def test_currency_code_is_normalised_to_upper_case() -> None:
    assert Money(Decimal("1"), " eur ").currency == "EUR"


def test_unknown_currency_is_refused_with_the_field() -> None:
    with pytest.raises(UnknownCurrency) as caught:
        Money(Decimal("1"), "ZZZ")
    assert caught.value.field == "currency"
    assert isinstance(caught.value, InvalidInput)


def test_minor_units_round_half_up() -> None:
    assert Money(Decimal("0.005"), "EUR").minor_units == 1


def test_parse_amount_keeps_the_written_precision() -> None:
    assert parse_amount(" 1234.565 ", "EUR") == Money(Decimal("1234.565"), "EUR")


@pytest.mark.parametrize("text", ["abc", "", "NaN", "Infinity", "1,5"])
def test_parse_amount_refuses_what_is_not_a_number(text: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_amount(text, "EUR")
    assert caught.value.field == "amount"


def test_amounts_that_differ_only_in_trailing_zeros_are_equal() -> None:
    assert Money(Decimal("1.5"), "EUR") == Money(Decimal("1.50"), "EUR")
    assert hash(Money(Decimal("1.5"), "EUR")) == hash(Money(Decimal("1.50"), "EUR"))


def test_same_amount_in_other_currency_is_not_equal() -> None:
    assert Money(Decimal("1"), "EUR") != Money(Decimal("1"), "USD")


# -- floats are refused everywhere ------------------------------------------------------------


def test_float_amount_is_refused() -> None:
    with pytest.raises(TypeError, match="never a float"):
        Money(0.1, "EUR")  # type: ignore[arg-type]


def test_float_minor_units_are_refused() -> None:
    with pytest.raises(TypeError, match="never a float"):
        Money.from_minor(10.0, "EUR")  # type: ignore[arg-type]


def test_float_quantity_is_refused() -> None:
    with pytest.raises(TypeError, match="never a float"):
        Money.from_minor(100, "EUR") * 1.5  # type: ignore[operator]


def test_float_rate_is_refused() -> None:
    with pytest.raises(TypeError, match="never a float"):
        Money.from_minor(100, "EUR").percent(20.0)  # type: ignore[arg-type]


def test_float_ratio_is_refused() -> None:
    with pytest.raises(TypeError, match="never a float"):
        Money.from_minor(100, "EUR").allocate([1, 0.5])  # type: ignore[list-item]


def test_adding_a_float_is_refused() -> None:
    with pytest.raises(TypeError, match="never a float"):
        Money.from_minor(100, "EUR") + 1.0  # type: ignore[operator]


def test_bool_is_not_an_amount() -> None:
    with pytest.raises(TypeError):
        Money(True, "EUR")  # type: ignore[arg-type]


# -- rounding ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "currency", "rounded"),
    [
        ("0.125", "EUR", "0.13"),
        ("0.124", "EUR", "0.12"),
        ("-0.125", "EUR", "-0.13"),
        ("-0.124", "EUR", "-0.12"),
        ("2.5", "JPY", "3"),
        ("-2.5", "JPY", "-3"),
        ("1.0005", "KWD", "1.001"),
        ("-1.0005", "KWD", "-1.001"),
    ],
)
def test_round_is_half_up_away_from_zero(amount: str, currency: str, rounded: str) -> None:
    result = Money(Decimal(amount), currency).round()
    assert result.amount == Decimal(rounded)
    assert result.amount.as_tuple().exponent == -currency_exponent(currency)


def test_rounding_a_small_negative_amount_gives_a_positive_zero() -> None:
    assert str(Money(Decimal("-0.001"), "EUR").round().amount) == "0.00"


def test_intermediate_amounts_keep_their_precision() -> None:
    # given a unit price with a fraction of a cent
    unit_price = Money(Decimal("0.333"), "EUR")
    # when it is multiplied, the cent is only settled at the end
    assert (unit_price * 3).amount == Decimal("0.999")
    assert (unit_price * 3).round().amount == Decimal("1.00")
    assert unit_price.is_rounded is False


# -- arithmetic and comparison ----------------------------------------------------------------


def test_addition_and_subtraction_in_one_currency() -> None:
    ten, three = Money.from_minor(1000, "EUR"), Money.from_minor(300, "EUR")
    assert ten + three == Money.from_minor(1300, "EUR")
    assert three - ten == Money.from_minor(-700, "EUR")
    assert -three == Money.from_minor(-300, "EUR")
    assert abs(-three) == three


def test_adding_other_currency_raises() -> None:
    with pytest.raises(CurrencyMismatch) as caught:
        Money.from_minor(100, "EUR") + Money.from_minor(100, "USD")
    assert caught.value.params == {"left": "EUR", "right": "USD"}


def test_subtracting_other_currency_raises() -> None:
    with pytest.raises(CurrencyMismatch):
        Money.from_minor(100, "EUR") - Money.from_minor(100, "GBP")


def test_comparing_other_currency_raises() -> None:
    with pytest.raises(CurrencyMismatch):
        _ = Money.from_minor(100, "EUR") < Money.from_minor(200, "USD")


def test_multiplication_by_int_and_decimal() -> None:
    price = Money(Decimal("2.50"), "EUR")
    assert price * 3 == Money(Decimal("7.50"), "EUR")
    assert 3 * price == Money(Decimal("7.50"), "EUR")
    assert price * Decimal("0.5") == Money(Decimal("1.25"), "EUR")


def test_money_times_money_is_refused() -> None:
    with pytest.raises(TypeError):
        Money.from_minor(1, "EUR") * Money.from_minor(1, "EUR")  # type: ignore[operator]


def test_ordering_within_a_currency() -> None:
    small, large = Money.from_minor(100, "EUR"), Money.from_minor(200, "EUR")
    assert small < large
    assert small <= small
    assert large > small
    assert large >= large
    assert sorted([large, small]) == [small, large]


def test_total_of_nothing_is_zero() -> None:
    assert Money.total([], "EUR") == Money.zero("EUR")


def test_total_refuses_a_line_in_other_currency() -> None:
    with pytest.raises(CurrencyMismatch):
        Money.total([Money.from_minor(1, "EUR"), Money.from_minor(1, "USD")], "EUR")


def test_sign_helpers() -> None:
    assert Money.zero("EUR").is_zero
    assert Money.from_minor(1, "EUR").is_positive
    assert Money.from_minor(-1, "EUR").is_negative


# -- VAT percentages --------------------------------------------------------------------------


def test_percent_of_an_amount() -> None:
    assert Money(Decimal("10.00"), "EUR").percent(Decimal("20")) == Money(Decimal("2"), "EUR")
    assert Money(Decimal("10.00"), "EUR").percent(Decimal("5.5")).amount == Decimal("0.55")


def test_plus_percent_gives_the_gross_amount() -> None:
    net = Money(Decimal("10.00"), "EUR")
    assert net.plus_percent(Decimal("20")) == Money(Decimal("12"), "EUR")


def test_excluding_percent_gives_the_net_amount() -> None:
    gross = Money(Decimal("12.00"), "EUR")
    assert gross.excluding_percent(Decimal("20")) == Money(Decimal("10"), "EUR")
    # 10.00 gross at 5.5 % is 9.4786... net, kept exact until rounded
    assert Money(Decimal("10"), "EUR").excluding_percent(Decimal("5.5")).round().amount == (
        Decimal("9.48")
    )


def test_excluding_minus_hundred_percent_is_refused() -> None:
    with pytest.raises(ValueError, match="-100"):
        Money(Decimal("1"), "EUR").excluding_percent(-100)


# -- allocation -------------------------------------------------------------------------------


@given(
    units=minor_units,
    currency=currencies,
    ratios=st.lists(st.integers(min_value=0, max_value=10_000), min_size=1, max_size=30).filter(
        any
    ),
)
def test_allocation_sums_exactly_and_stays_within_a_minor_unit(
    units: int, currency: str, ratios: list[int]
) -> None:
    # given a total and integer ratios
    total = Money.from_minor(units, currency)
    # when it is allocated
    shares = total.allocate(ratios)
    # then no minor unit is lost or created
    assert len(shares) == len(ratios)
    assert sum(share.minor_units for share in shares) == units
    assert all(share.currency == currency for share in shares)
    # and each share is within one minor unit of its exact share
    for share, ratio in zip(shares, ratios, strict=True):
        exact = Fraction(units) * ratio / sum(ratios)
        assert abs(Fraction(share.minor_units) - exact) < 1


@given(
    units=minor_units,
    ratios=st.lists(
        st.decimals(min_value=0, max_value=1000, places=3, allow_nan=False), min_size=1
    ).filter(lambda values: sum(values) > 0),
)
def test_allocation_by_decimal_ratios_sums_exactly(units: int, ratios: list[Decimal]) -> None:
    shares = Money.from_minor(units, "EUR").allocate(ratios)
    assert sum(share.minor_units for share in shares) == units
    for share, ratio in zip(shares, ratios, strict=True):
        exact = Fraction(units) * Fraction(ratio) / Fraction(sum(ratios))
        assert abs(Fraction(share.minor_units) - exact) < 1


@given(units=minor_units, parts=st.integers(min_value=1, max_value=50))
def test_split_gives_shares_at_most_one_minor_unit_apart(units: int, parts: int) -> None:
    shares = [share.minor_units for share in Money.from_minor(units, "EUR").split(parts)]
    assert sum(shares) == units
    assert max(shares) - min(shares) <= 1


def test_split_gives_the_extra_cents_to_the_first_shares() -> None:
    shares = Money(Decimal("10.00"), "EUR").split(3)
    assert [share.amount for share in shares] == [Decimal("3.34"), Decimal("3.33"), Decimal("3.33")]


def test_negative_allocation_mirrors_the_positive_one() -> None:
    shares = Money(Decimal("-10.00"), "EUR").split(3)
    assert [share.amount for share in shares] == [
        Decimal("-3.34"),
        Decimal("-3.33"),
        Decimal("-3.33"),
    ]


def test_allocation_gives_leftovers_to_the_largest_remainders() -> None:
    # 1.00 over 1:2:2 is 0.20, 0.40, 0.40 exactly; 0.05 over 1:1:3 is 0.01, 0.01, 0.03
    assert [s.minor_units for s in Money.from_minor(5, "EUR").allocate([1, 1, 3])] == [1, 1, 3]
    # 0.10 over 1:1:1 leaves 1 cent for the first of the equal remainders
    assert [s.minor_units for s in Money.from_minor(10, "EUR").allocate([1, 1, 1])] == [4, 3, 3]
    # 0.07 over 3:4 is 3.0 and 4.0 exactly
    assert [s.minor_units for s in Money.from_minor(7, "EUR").allocate([3, 4])] == [3, 4]


def test_allocation_rounds_the_total_first() -> None:
    shares = Money(Decimal("0.015"), "EUR").allocate([1, 1])
    assert [share.minor_units for share in shares] == [1, 1]


@pytest.mark.parametrize("ratios", [[], [0, 0], [1, -1]])
def test_allocation_refuses_unusable_ratios(ratios: list[int]) -> None:
    with pytest.raises(ValueError, match="ratio"):
        Money.from_minor(100, "EUR").allocate(ratios)


def test_split_in_zero_parts_is_refused() -> None:
    with pytest.raises(ValueError, match="one part"):
        Money.from_minor(100, "EUR").split(0)


# -- display ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("money", "locale", "text"),
    [
        (Money(Decimal("1234.56"), "EUR"), "fr", "1\u202f234,56\u00a0€"),
        (Money(Decimal("1234.56"), "EUR"), "en", "€1,234.56"),
        (Money(Decimal("-1234.56"), "EUR"), "fr", "-1\u202f234,56\u00a0€"),
        (Money(Decimal("-1234.56"), "EUR"), "en", "-€1,234.56"),
        (Money(Decimal("1234.565"), "EUR"), "fr", "1\u202f234,57\u00a0€"),
        (Money(Decimal("0.125"), "EUR"), "en", "€0.13"),
        (Money(Decimal("1234"), "JPY"), "en", "¥1,234"),
        (Money(Decimal("1.5"), "KWD"), "en", "KWD1.500"),
        (Money(Decimal("7"), "EUR"), "fr_FR", "7,00\u00a0€"),
    ],
)
def test_format_in_the_locale(money: Money, locale: str, text: str) -> None:
    assert money.format(locale) == text


def test_str_is_locale_free() -> None:
    assert str(Money(Decimal("1234.565"), "EUR")) == "1234.57 EUR"


# -- API shape --------------------------------------------------------------------------------


def test_money_out_shows_a_decimal_string_and_minor_units() -> None:
    out = MoneyOut.from_money(Money(Decimal("1234.565"), "EUR"))
    assert out.model_dump(mode="json") == {
        "amount": "1234.57",
        "currency": "EUR",
        "minor_units": 123457,
    }


def test_money_out_writes_zero_plainly() -> None:
    out = MoneyOut.from_money(Money.from_minor(0, "JPY"))
    assert (out.amount, out.minor_units) == ("0", 0)


def test_currency_mismatch_is_explained_in_french_and_english() -> None:
    error = CurrencyMismatch("EUR", "USD")
    assert error.detail("fr") == "Des montants en EUR et en USD ne peuvent pas être combinés."
    assert error.detail("en") == "Amounts in EUR and USD cannot be combined."
