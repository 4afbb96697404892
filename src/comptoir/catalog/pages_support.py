"""What the catalogue's back-office pages share: access rules, breadcrumbs, reading form
values (amounts, dates, lists) and turning refusals into messages next to their fields."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Final

from fastapi import Request
from pydantic import ValidationError
from starlette.datastructures import FormData

from comptoir.backoffice.shell import Crumb, backoffice, request_locale, require_scope
from comptoir.kit.errors import DomainError
from comptoir.kit.http.validation import issues_from_pydantic
from comptoir.kit.i18n import LazyString, Locale, translate
from comptoir.kit.i18n import lazy_gettext as _l
from comptoir.kit.money import Money, parse_amount

READ: Final = [require_scope("catalog:read")]
WRITE: Final = [require_scope("catalog:write")]
DATETIME_INPUT: Final = "%Y-%m-%dT%H:%M"


class FormRefused(Exception):
    """A form's values were refused: ``errors`` maps each field to its message."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(errors)
        self.errors = errors


def crumbs(*tail: Crumb) -> list[Crumb]:
    """The breadcrumb of a catalogue page: the back office, then ``tail``."""
    return [Crumb(_l("Back office"), "/admin"), *tail]


def form_values(form: FormData) -> dict[str, str]:
    """The single-valued fields of a submitted form (the CSRF token left out)."""
    return {key: str(value) for key, value in form.items() if key != "csrf_token"}


def money_formatter(request: Request) -> Callable[[int, str], str]:
    """Minor units and a currency as the user reads them: ``1 234,56 €`` / ``€1,234.56``."""
    locale = request_locale(request)
    return lambda minor, currency: Money.from_minor(minor, currency).format(locale)


def message(request: Request, text: str | LazyString, **params: Any) -> str:
    """``text`` in the page's language."""
    return translate(text, request_locale(request), **params)


def pydantic_errors(
    exc: ValidationError, locale: Locale, rename: Mapping[str, str] | None = None
) -> dict[str, str]:
    """The form errors of a refused schema: each field (renamed to its form field through
    ``rename`` when they differ) with its translated message."""
    errors: dict[str, str] = {}
    for issue in issues_from_pydantic(exc.errors()):
        name = issue.field.split(".")[0] if issue.field else ""
        name = (rename or {}).get(issue.field, (rename or {}).get(name, name))
        errors.setdefault(name, issue.translated(locale))
    return errors


def domain_errors(
    exc: DomainError, locale: Locale, default: str, rename: Mapping[str, str] | None = None
) -> dict[str, str]:
    """The form error of a refused operation, on its field (``default`` when it names none)."""
    field = exc.field or default
    field = (rename or {}).get(field, (rename or {}).get(field.split(".")[0], field))
    return {field: exc.detail(locale)}


def read_money(text: str, currency: str, field: str, locale: Locale) -> Money | None:
    """The amount typed in ``text`` (``24,90`` or ``24.90``), or None when empty.

    Raises :class:`FormRefused` for a text that is not a positive amount of ``currency``."""
    cleaned = text.strip().replace("\u202f", "").replace(" ", "")
    if not cleaned:
        return None
    try:
        amount = parse_amount(cleaned.replace(",", "."), currency)
    except DomainError as exc:
        raise FormRefused({field: exc.detail(locale)}) from None
    if amount.is_negative or not amount.is_rounded:
        raise FormRefused(
            {field: translate(_l("Give a positive amount with at most two decimals."), locale)}
        )
    return amount


def read_decimal(text: str, field: str, locale: Locale) -> Decimal | None:
    """The number typed in ``text`` (comma or point), or None when empty. Raises
    :class:`FormRefused`."""
    cleaned = text.strip().replace(",", ".")
    if not cleaned:
        return None
    try:
        number = Decimal(cleaned)
    except InvalidOperation:
        number = Decimal("NaN")
    if not number.is_finite():
        raise FormRefused({field: translate(_l("Enter a number, such as 12.5."), locale)})
    return number


def read_int(text: str, field: str, locale: Locale, *, minimum: int = 0) -> int | None:
    """The whole number typed in ``text``, or None when empty. Raises :class:`FormRefused`
    below ``minimum`` or for anything else than digits."""
    cleaned = text.strip()
    if not cleaned:
        return None
    try:
        number = int(cleaned)
    except ValueError:
        number = minimum - 1
    if number < minimum:
        raise FormRefused(
            {
                field: translate(
                    _l("Enter a whole number of at least {minimum}."), locale, minimum=minimum
                )
            }
        )
    return number


def read_moment(request: Request, text: str, field: str) -> datetime | None:
    """A ``datetime-local`` value, read in the shop's time zone, as UTC; None when empty.
    Raises :class:`FormRefused`."""
    cleaned = text.strip()
    if not cleaned:
        return None
    try:
        local = datetime.strptime(cleaned[:16], DATETIME_INPUT).replace(
            tzinfo=backoffice(request).timezone
        )
    except ValueError:
        raise FormRefused(
            {field: message(request, _l("Enter a date and time, such as 2026-12-01 09:00."))}
        ) from None
    return local.astimezone(UTC)


def moment_input(request: Request, value: datetime | None) -> str:
    """A moment as a ``datetime-local`` field shows it, in the shop's time zone."""
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(backoffice(request).timezone).strftime(DATETIME_INPUT)


def read_ids(values: Iterable[str], field: str, locale: Locale) -> list[uuid.UUID]:
    """Identifiers chosen in a group of checkboxes. Raises :class:`FormRefused`."""
    ids = []
    for value in values:
        try:
            ids.append(uuid.UUID(value))
        except ValueError:
            raise FormRefused({field: translate(_l("Choose from the list."), locale)}) from None
    return ids
