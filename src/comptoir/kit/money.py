"""Money: a Decimal amount in one ISO 4217 currency, never a float.

The database stores integer minor units and a currency code; code works with :class:`Money`.
Amounts may carry more precision than the currency has while a computation runs (a unit price
times a quantity, a VAT share); they are rounded half-up, away from zero on ties, to the
currency's exponent only at the edges: :meth:`Money.round`, :attr:`Money.minor_units`,
:meth:`Money.allocate`, :meth:`Money.format` and :class:`MoneyOut`.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from fractions import Fraction

from babel import Locale
from pydantic import BaseModel, ConfigDict

from comptoir.kit.errors import InvalidInput
from comptoir.kit.i18n import lazy_gettext as _l

# ISO 4217 minor units of the currencies in use. CLDR's display digits (what babel reports
# through ``get_currency_precision``) differ for about twenty of them (IQD 3 vs 0, RSD 2 vs 0,
# ...), and stored minor units must follow ISO, as banks and payment providers do.
_EXPONENT_0 = "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF"
_EXPONENT_3 = "BHD IQD JOD KWD LYD OMR TND"
_EXPONENT_4 = "CLF UYW"
_EXPONENT_2 = (
    "AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BOV BRL BSD BTN BWP "
    "BYN BZD CAD CDF CHE CHF CHW CNY COP COU CRC CUP CVE CZK DKK DOP DZD EGP ERN ETB EUR FJD "
    "FKP GBP GEL GHS GIP GMD GTQ GYD HKD HNL HTG HUF IDR ILS INR IRR JMD KES KGS KHR KPW KYD "
    "KZT LAK LBP LKR LRD LSL MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN NAD "
    "NGN NIO NOK NPR NZD PAB PEN PGK PHP PKR PLN QAR RON RSD RUB SAR SBD SCR SDG SEK SGD SHP "
    "SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TOP TRY TTD TWD TZS UAH USD USN UYU UZS VED "
    "VES WST XCD XCG YER ZAR ZMW ZWG"
)
CURRENCY_EXPONENTS: dict[str, int] = {
    code: exponent
    for codes, exponent in (
        (_EXPONENT_0, 0),
        (_EXPONENT_2, 2),
        (_EXPONENT_3, 3),
        (_EXPONENT_4, 4),
    )
    for code in codes.split()
}

Quantity = int | Decimal

_NOT_AN_AMOUNT = _l("Not an amount: {written}.")


class UnknownCurrency(InvalidInput):
    slug = "unknown-currency"
    title = _l("The currency is not a known ISO 4217 code.")

    def __init__(self, code: str) -> None:
        super().__init__(_l("Unknown currency code: {code}."), field="currency", code=code)


class CurrencyMismatch(InvalidInput):
    slug = "currency-mismatch"
    title = _l("Amounts in different currencies cannot be combined.")

    def __init__(self, left: str, right: str) -> None:
        super().__init__(
            _l("Amounts in {left} and {right} cannot be combined."),
            field="currency",
            left=left,
            right=right,
        )


def currency_exponent(code: str) -> int:
    """The number of decimal places of ``code``'s minor unit (EUR 2, JPY 0, KWD 3).

    Raises :class:`UnknownCurrency` for a code outside the ISO 4217 currencies in use.
    """
    try:
        return CURRENCY_EXPONENTS[code]
    except KeyError:
        raise UnknownCurrency(code) from None


def _refuse_float(value: object, what: str) -> None:
    if isinstance(value, float):
        raise TypeError(f"{what} must be an int or a Decimal, never a float: {value!r}")


def _as_decimal(value: object, what: str) -> Decimal:
    """``value`` as a finite Decimal; floats, bools and anything else are refused."""
    _refuse_float(value, what)
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        raise TypeError(f"{what} must be an int or a Decimal, got {type(value).__name__}")
    number = Decimal(value)
    if not number.is_finite():
        raise ValueError(f"{what} must be finite, got {number}")
    return number


@dataclass(frozen=True, slots=True)
class Money:
    """An amount of money in one currency. Immutable; equal when amount and currency are."""

    amount: Decimal
    currency: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "amount", _as_decimal(self.amount, "amount"))
        if not isinstance(self.currency, str):
            raise TypeError(f"currency must be a str, got {type(self.currency).__name__}")
        code = self.currency.strip().upper()
        currency_exponent(code)
        object.__setattr__(self, "currency", code)

    # -- construction and the storage edge -------------------------------------------------

    @classmethod
    def from_minor(cls, units: int, currency: str) -> Money:
        """The amount ``units`` minor units of ``currency`` make (12345 EUR -> 123.45 EUR)."""
        if isinstance(units, bool) or not isinstance(units, int):
            _refuse_float(units, "minor units")
            raise TypeError(f"minor units must be an int, got {type(units).__name__}")
        code = currency.strip().upper()
        return cls(Decimal(units).scaleb(-currency_exponent(code)), code)

    @classmethod
    def zero(cls, currency: str) -> Money:
        """Nothing, in ``currency``."""
        return cls(Decimal(0), currency)

    @classmethod
    def total(cls, amounts: Iterable[Money], currency: str) -> Money:
        """The sum of ``amounts`` (zero when empty). Raises :class:`CurrencyMismatch` if one
        of them is not in ``currency``."""
        result = cls.zero(currency)
        for amount in amounts:
            result = result + amount
        return result

    @property
    def exponent(self) -> int:
        """Decimal places of this currency's minor unit."""
        return CURRENCY_EXPONENTS[self.currency]

    @property
    def minor_units(self) -> int:
        """The amount in minor units, rounded half-up (what the database stores)."""
        return int(self.round().amount.scaleb(self.exponent))

    def round(self) -> Money:
        """The amount rounded to the currency's exponent, half-up (ties away from zero:
        0.125 -> 0.13, -0.125 -> -0.13). A rounded zero is never negative."""
        quantum = Decimal(1).scaleb(-self.exponent)
        rounded = self.amount.quantize(quantum, rounding=ROUND_HALF_UP)
        if rounded.is_zero():
            rounded = rounded.copy_abs()
        return Money(rounded, self.currency)

    @property
    def is_rounded(self) -> bool:
        """True when the amount has no more precision than the currency's minor unit."""
        return self.round().amount == self.amount

    # -- arithmetic ---------------------------------------------------------------------------

    def _same_currency(self, other: object) -> Money:
        _refuse_float(other, "an amount added to money")
        if not isinstance(other, Money):
            raise TypeError(f"money combines with money only, got {type(other).__name__}")
        if other.currency != self.currency:
            raise CurrencyMismatch(self.currency, other.currency)
        return other

    def __add__(self, other: Money) -> Money:
        return Money(self.amount + self._same_currency(other).amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        return Money(self.amount - self._same_currency(other).amount, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency)

    def __abs__(self) -> Money:
        return Money(abs(self.amount), self.currency)

    def __mul__(self, quantity: Quantity) -> Money:
        return Money(self.amount * _as_decimal(quantity, "quantity"), self.currency)

    def __rmul__(self, quantity: Quantity) -> Money:
        return self.__mul__(quantity)

    def percent(self, rate: Quantity) -> Money:
        """``rate`` percent of this amount, unrounded (20 % of 10.00 EUR is 2.00 EUR)."""
        return Money(self.amount * _as_decimal(rate, "rate") / 100, self.currency)

    def plus_percent(self, rate: Quantity) -> Money:
        """This amount increased by ``rate`` percent, unrounded (a net price plus its VAT)."""
        return Money(self.amount * (100 + _as_decimal(rate, "rate")) / 100, self.currency)

    def excluding_percent(self, rate: Quantity) -> Money:
        """The amount that ``rate`` percent added to gives this one, unrounded (the net price
        inside a gross price). Raises ``ValueError`` for a rate of -100 %."""
        divisor = 100 + _as_decimal(rate, "rate")
        if divisor.is_zero():
            raise ValueError("a rate of -100 % has no amount before it")
        return Money(self.amount * 100 / divisor, self.currency)

    # -- comparison ---------------------------------------------------------------------------

    def __lt__(self, other: Money) -> bool:
        return self.amount < self._same_currency(other).amount

    def __le__(self, other: Money) -> bool:
        return self.amount <= self._same_currency(other).amount

    def __gt__(self, other: Money) -> bool:
        return self.amount > self._same_currency(other).amount

    def __ge__(self, other: Money) -> bool:
        return self.amount >= self._same_currency(other).amount

    @property
    def is_zero(self) -> bool:
        return self.amount.is_zero()

    @property
    def is_positive(self) -> bool:
        return self.amount > 0

    @property
    def is_negative(self) -> bool:
        return self.amount < 0

    # -- distribution -------------------------------------------------------------------------

    def allocate(self, ratios: Sequence[Quantity]) -> list[Money]:
        """Share the rounded amount among ``ratios`` without losing or creating a minor unit.

        Guarantees: the shares sum exactly to ``self.round()``; each share differs from its
        exact proportional share by less than one minor unit; the result is deterministic
        (largest remainder first, earlier ratios first on equal remainders). A negative
        amount gives the mirror of the positive allocation.

        Raises ``ValueError`` if ``ratios`` is empty, has a negative value or sums to zero,
        and ``TypeError`` for a float ratio.
        """
        weights = [Fraction(_as_decimal(ratio, "ratio")) for ratio in ratios]
        if not weights:
            raise ValueError("allocation needs at least one ratio")
        if any(weight < 0 for weight in weights):
            raise ValueError("allocation ratios must not be negative")
        weight_sum = sum(weights, Fraction(0))
        if weight_sum == 0:
            raise ValueError("allocation ratios must not all be zero")
        total = self.minor_units
        exact = [Fraction(abs(total)) * weight / weight_sum for weight in weights]
        shares = [math.floor(share) for share in exact]
        missing = abs(total) - sum(shares)
        by_remainder = sorted(range(len(exact)), key=lambda i: (-(exact[i] - shares[i]), i))
        for index in by_remainder[:missing]:
            shares[index] += 1
        sign = -1 if total < 0 else 1
        return [Money.from_minor(sign * share, self.currency) for share in shares]

    def split(self, parts: int) -> list[Money]:
        """The rounded amount in ``parts`` shares as equal as possible (10.00 in 3 gives 3.34,
        3.33, 3.33), summing exactly to it. Raises ``ValueError`` if ``parts`` < 1."""
        if isinstance(parts, bool) or not isinstance(parts, int):
            raise TypeError(f"parts must be an int, got {type(parts).__name__}")
        if parts < 1:
            raise ValueError("an amount splits into one part at least")
        return self.allocate([1] * parts)

    # -- presentation -------------------------------------------------------------------------

    def format(self, locale: str | Locale) -> str:
        """The rounded amount written for people in ``locale`` ("1 234,56 €" in fr, "€1,234.56"
        in en), with as many decimals as the currency's ISO minor unit and babel's spaces
        (narrow no-break for thousands in French, no-break before the symbol)."""
        place = Locale.parse(locale)
        standard = place.currency_formats["standard"]
        pattern = copy.copy(standard)
        # The locale's pattern says 2 decimals; the currency decides (JPY 0, KWD 3).
        pattern.frac_prec = (self.exponent, self.exponent)
        text = pattern.apply(
            self.round().amount, place, currency=self.currency, currency_digits=False
        )
        return str(text)

    def __str__(self) -> str:
        """Locale-free text for logs and messages: "1234.56 EUR"."""
        return f"{self.round().amount} {self.currency}"


def parse_amount(text: str, currency: str) -> Money:
    """``text`` ("1234.56", "-3", "0.005") as money in ``currency``, exactly as written.

    Raises :class:`InvalidInput` (field "amount") for text that is not a finite decimal
    number, and :class:`UnknownCurrency` for an unknown currency.
    """
    try:
        amount = Decimal(text.strip())
    except InvalidOperation:
        raise InvalidInput(_NOT_AN_AMOUNT, field="amount", written=text) from None
    if not amount.is_finite():
        raise InvalidInput(_NOT_AN_AMOUNT, field="amount", written=text)
    return Money(amount, currency)


class MoneyOut(BaseModel):
    """Money as the API shows it: the rounded amount as a decimal string (never a JSON
    number, which clients read as a float), the currency, and the minor units."""

    model_config = ConfigDict(frozen=True)

    amount: str
    currency: str
    minor_units: int

    @classmethod
    def from_money(cls, money: Money) -> MoneyOut:
        """The API shape of ``money``, rounded half-up to its currency."""
        rounded = money.round()
        return cls(
            amount=str(rounded.amount),
            currency=rounded.currency,
            minor_units=rounded.minor_units,
        )
