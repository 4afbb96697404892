"""The invoicing settings: the seller's identity, each channel's issuing policy, and the
exchange rates of the day."""

from __future__ import annotations

import re
import uuid
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from comptoir.billing.invoices.errors import (
    ExchangeRateMissing,
    InvalidInvoice,
    InvalidSellerProfile,
    SellerNotConfigured,
)
from comptoir.billing.invoices.models import ChannelInvoicing, ExchangeRate, SellerProfile
from comptoir.billing.invoices.schemas import (
    ChannelPolicyIn,
    ChannelPolicyOut,
    ExchangeRateIn,
    SellerProfileIn,
)
from comptoir.billing.invoices.service.common import DEFAULT_SERIES, RESERVED_SERIES
from comptoir.channels import service as channels
from comptoir.customers import service as customers
from comptoir.kit.http.validation import FieldIssue
from comptoir.kit.i18n import lazy_gettext as _l
from comptoir.kit.money import currency_exponent

_SEPARATORS = re.compile(r"[\s.\-]")
_IBAN = re.compile(r"^[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}$")
_BIC = re.compile(r"^[A-Z]{6}[A-Z0-9]{2}([A-Z0-9]{3})?$")


def compact(value: str) -> str:
    """Upper case without spaces, dots and dashes."""
    return _SEPARATORS.sub("", value).upper()


def luhn_is_valid(digits: str) -> bool:
    """Whether a string of digits passes the Luhn check (SIREN and SIRET keys)."""
    if not digits.isascii() or not digits.isdigit():
        return False
    total = 0
    for position, char in enumerate(reversed(digits)):
        digit = int(char) * (2 if position % 2 else 1)
        total += digit - 9 if digit > 9 else digit
    return total % 10 == 0


def is_valid_siren(value: str) -> bool:
    """9 digits with a valid Luhn key."""
    siren = compact(value)
    return len(siren) == 9 and luhn_is_valid(siren)


def is_valid_siret(value: str) -> bool:
    """14 digits with a valid Luhn key (La Poste's establishments, SIREN 356000000, add up
    to a multiple of 5 instead)."""
    siret = compact(value)
    if len(siret) != 14 or not siret.isdigit():
        return False
    return luhn_is_valid(siret) or (
        siret.startswith("356000000") and sum(int(c) for c in siret) % 5 == 0
    )


def _iban_is_valid(value: str) -> bool:
    iban = compact(value)
    if not _IBAN.fullmatch(iban):
        return False
    moved = iban[4:] + iban[:4]
    return int("".join(str(int(c, 36)) for c in moved)) % 97 == 1


def _seller_issues(data: SellerProfileIn) -> list[FieldIssue]:
    issues: list[FieldIssue] = []
    siren = compact(data.siren)
    if not is_valid_siren(siren):
        issues.append(FieldIssue("siren", _l("A SIREN is 9 digits with a valid key.")))
    if data.siret and not (is_valid_siret(data.siret) and compact(data.siret)[:9] == siren):
        issues.append(
            FieldIssue(
                "siret", _l("A SIRET is 14 digits with a valid key, starting with the SIREN.")
            )
        )
    if data.vat_number and not customers.is_valid_vat_number(data.vat_number, data.country):
        issues.append(
            FieldIssue("vat_number", _l("This is not a VAT number of the seller's country."))
        )
    if data.iban and not _iban_is_valid(data.iban):
        issues.append(FieldIssue("iban", _l("This IBAN is not valid.")))
    if data.bic and not _BIC.fullmatch(compact(data.bic)):
        issues.append(FieldIssue("bic", _l("This BIC is not valid.")))
    return issues


def get_seller(session: Session) -> SellerProfile:
    """The seller's identity; raises :class:`SellerNotConfigured` until it is set."""
    seller = session.scalar(select(SellerProfile).order_by(SellerProfile.created_at).limit(1))
    if seller is None:
        raise SellerNotConfigured()
    return seller


def find_seller(session: Session) -> SellerProfile | None:
    return session.scalar(select(SellerProfile).order_by(SellerProfile.created_at).limit(1))


def update_seller(session: Session, data: SellerProfileIn) -> SellerProfile:
    """Create or replace the seller's identity. SIREN and SIRET are checked (digits and Luhn
    key, the SIRET starting with the SIREN), the VAT number by its country's format.

    Raises :class:`InvalidSellerProfile` naming every offending field; nothing changes
    then. Invoices already issued keep the identity they were issued with."""
    issues = _seller_issues(data)
    if issues:
        raise InvalidSellerProfile(issues[0].message, issues=issues)
    currency_exponent(data.currency)
    values: dict[str, Any] = data.model_dump()
    values["siren"] = compact(data.siren)
    for name in ("siret", "vat_number", "iban", "bic"):
        if values[name]:
            values[name] = compact(values[name])
    seller = find_seller(session) or SellerProfile()
    for name, value in values.items():
        setattr(seller, name, value)
    session.add(seller)
    session.flush()
    return seller


def seller_snapshot(seller: SellerProfile) -> dict[str, object]:
    """The seller's identity as an invoice keeps it (JSON-ready)."""
    return {
        "legal_name": seller.legal_name,
        "trade_name": seller.trade_name,
        "legal_form": seller.legal_form,
        "share_capital_minor": seller.share_capital_minor,
        "siren": seller.siren,
        "siret": seller.siret,
        "vat_number": seller.vat_number,
        "rcs": seller.rcs,
        "naf_code": seller.naf_code,
        "address_line1": seller.address_line1,
        "address_line2": seller.address_line2,
        "postcode": seller.postcode,
        "city": seller.city,
        "country": seller.country,
        "email": seller.email,
        "phone": seller.phone,
        "iban": seller.iban,
        "bic": seller.bic,
        "currency": seller.currency,
        "early_payment_discount": seller.early_payment_discount,
        "footer": seller.footer,
    }


def channel_policy(session: Session, channel_id: uuid.UUID) -> ChannelPolicyOut:
    """When the channel's orders are invoiced, and in which series (on payment, in ``FA``,
    until set). Raises the channels' not-found problem for an unknown channel."""
    channels.get_channel(session, channel_id)
    row = session.scalar(select(ChannelInvoicing).where(ChannelInvoicing.channel_id == channel_id))
    if row is None:
        return ChannelPolicyOut(channel_id=channel_id, issue_on="payment", series=DEFAULT_SERIES)
    return ChannelPolicyOut.model_validate(
        {"channel_id": channel_id, "issue_on": row.issue_on, "series": row.series}
    )


def set_channel_policy(
    session: Session, channel_id: uuid.UUID, data: ChannelPolicyIn
) -> ChannelPolicyOut:
    """Set when the channel's orders are invoiced. Raises :class:`InvalidInvoice` for the
    credit-note and proforma series (``AV``, ``PF``), which no channel may use."""
    channels.get_channel(session, channel_id)
    if data.series in RESERVED_SERIES:
        raise InvalidInvoice(
            _l("The series {series} is kept for credit notes and proformas."),
            field="series",
            series=data.series,
        )
    row = session.scalar(
        select(ChannelInvoicing).where(ChannelInvoicing.channel_id == channel_id)
    ) or ChannelInvoicing(channel_id=channel_id)
    row.issue_on, row.series = data.issue_on, data.series
    session.add(row)
    session.flush()
    return channel_policy(session, channel_id)


def record_exchange_rate(session: Session, data: ExchangeRateIn) -> ExchangeRate:
    """Record (or correct) the rate of ``data.currency`` on ``data.rate_date``. Invoices
    already issued keep the rate they were issued with. Raises ``UnknownCurrency``."""
    currency_exponent(data.currency)
    row = session.scalar(
        select(ExchangeRate).where(
            ExchangeRate.currency == data.currency, ExchangeRate.rate_date == data.rate_date
        )
    ) or ExchangeRate(currency=data.currency, rate_date=data.rate_date)
    row.rate, row.source = data.rate, data.source
    session.add(row)
    session.flush()
    return row


def list_exchange_rates(
    session: Session, *, currency: str | None = None, limit: int = 100
) -> list[ExchangeRate]:
    """The latest rates first."""
    stmt = select(ExchangeRate).order_by(ExchangeRate.rate_date.desc(), ExchangeRate.currency)
    if currency:
        stmt = stmt.where(ExchangeRate.currency == currency.upper())
    return list(session.scalars(stmt.limit(limit)))


def rate_of_the_day(
    session: Session, currency: str, seller_currency: str, on: date
) -> tuple[Decimal, date]:
    """(rate, its day): 1 for the seller's own currency, else the latest rate recorded on or
    before ``on``. Raises :class:`ExchangeRateMissing`."""
    if currency == seller_currency:
        return Decimal(1), on
    row = session.scalar(
        select(ExchangeRate)
        .where(ExchangeRate.currency == currency, ExchangeRate.rate_date <= on)
        .order_by(ExchangeRate.rate_date.desc())
        .limit(1)
    )
    if row is None:
        raise ExchangeRateMissing(
            _l("No exchange rate of {currency} is recorded on or before {day}."),
            field="currency",
            currency=currency,
            day=on.isoformat(),
        )
    return Decimal(row.rate), row.rate_date
