"""Pydantic's validation errors told in the shop's language.

Pydantic describes each failure with a stable ``type`` (``missing``, ``greater_than``...) and a
``ctx`` of values (``{"gt": 0}``); its English ``msg`` is not translatable, so each common type
has its own message here, formatted with that ``ctx``. A type we do not know yet gets a generic
message rather than English in a French answer.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from comptoir.kit.i18n import LazyString, Locale, translate
from comptoir.kit.i18n import lazy_gettext as _l

# Where FastAPI found the value: left out of the field path, which names the field only.
_SOURCES: Final = frozenset({"body", "query", "path", "header", "cookie"})

GENERIC_MESSAGE: Final = _l("This value is not valid.")

MESSAGES: Final[Mapping[str, LazyString]] = {
    "missing": _l("This field is required."),
    "extra_forbidden": _l("This field is not allowed."),
    "string_type": _l("Must be a text."),
    "string_too_short": _l("Must have at least {min_length} characters."),
    "string_too_long": _l("Must have at most {max_length} characters."),
    "string_pattern_mismatch": _l("Does not have the expected format."),
    "int_type": _l("Must be a whole number."),
    "int_parsing": _l("Must be a whole number."),
    "int_from_float": _l("Must be a whole number."),
    "float_type": _l("Must be a number."),
    "float_parsing": _l("Must be a number."),
    "decimal_type": _l("Must be a decimal number."),
    "decimal_parsing": _l("Must be a decimal number."),
    "decimal_max_digits": _l("Must have at most {max_digits} digits."),
    "decimal_max_places": _l("Must have at most {decimal_places} decimal places."),
    "bool_type": _l("Must be true or false."),
    "bool_parsing": _l("Must be true or false."),
    "greater_than": _l("Must be greater than {gt}."),
    "greater_than_equal": _l("Must be greater than or equal to {ge}."),
    "less_than": _l("Must be less than {lt}."),
    "less_than_equal": _l("Must be less than or equal to {le}."),
    "multiple_of": _l("Must be a multiple of {multiple_of}."),
    "too_short": _l("Must contain at least {min_length} items."),
    "too_long": _l("Must contain at most {max_length} items."),
    "list_type": _l("Must be a list."),
    "dict_type": _l("Must be an object."),
    "model_type": _l("Must be an object."),
    "model_attributes_type": _l("Must be an object."),
    "literal_error": _l("Must be one of: {expected}."),
    "enum": _l("Must be one of: {expected}."),
    "uuid_type": _l("Must be an identifier (UUID)."),
    "uuid_parsing": _l("Must be an identifier (UUID)."),
    "date_type": _l("Must be a date (YYYY-MM-DD)."),
    "date_parsing": _l("Must be a date (YYYY-MM-DD)."),
    "date_from_datetime_parsing": _l("Must be a date (YYYY-MM-DD)."),
    "datetime_type": _l("Must be a date and time (ISO 8601)."),
    "datetime_parsing": _l("Must be a date and time (ISO 8601)."),
    "datetime_from_date_parsing": _l("Must be a date and time (ISO 8601)."),
    "timezone_aware": _l("Must carry a time zone."),
    "url_parsing": _l("Must be a valid URL."),
    "url_scheme": _l("Must be a valid URL."),
    "json_invalid": _l("The JSON document is not valid."),
    "value_error": _l("This value is not valid."),
}


@dataclass(frozen=True)
class FieldIssue:
    """One offending field: its dotted path (``lines.0.quantity``) and what is wrong with it."""

    field: str
    message: str | LazyString
    params: Mapping[str, Any] = dataclasses.field(default_factory=dict)

    def translated(self, locale: Locale) -> str:
        """The message in ``locale``; the generic one if its parameters do not fit it."""
        try:
            return translate(self.message, locale, **self.params)
        except (KeyError, IndexError, ValueError):
            return translate(GENERIC_MESSAGE, locale)


def field_path(location: Sequence[str | int]) -> str:
    """``("body", "lines", 0, "quantity")`` as ``lines.0.quantity``; the source alone (a
    missing body) stays as it is."""
    parts = list(location)
    if len(parts) > 1 and parts[0] in _SOURCES:
        parts = parts[1:]
    return ".".join(str(part) for part in parts)


def issues_from_pydantic(errors: Sequence[Mapping[str, Any]]) -> list[FieldIssue]:
    """One :class:`FieldIssue` per pydantic error, in the order pydantic reported them."""
    issues = []
    for error in errors:
        message = MESSAGES.get(str(error.get("type", "")), GENERIC_MESSAGE)
        context = {name: _display(name, value) for name, value in (error.get("ctx") or {}).items()}
        issues.append(FieldIssue(field_path(error.get("loc", ())), message, context))
    return issues


def _display(name: str, value: Any) -> str:
    text = value if isinstance(value, str) else str(value)
    # Pydantic joins the allowed values with an English "or"; a list reads in any language.
    return text.replace(" or ", ", ") if name == "expected" else text
