"""Translations: gettext catalogues in French and English, domain ``comptoir``.

The catalogues are the ``.po`` files under ``comptoir/locale``; they are compiled in memory with
Babel the first time a language is used, so there is no ``.mo`` file to build or to forget.
The language of the current request (or job) lives in a context variable: :func:`gettext`
translates into it, :func:`use_locale` changes it for a block, and :func:`lazy_gettext` marks a
text whose translation must wait until it is shown (class attributes, module constants).
"""

from __future__ import annotations

import gettext as _gettext
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache
from io import BytesIO
from pathlib import Path
from typing import Any, Final, Literal, get_args

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

Locale = Literal["fr", "en"]
SUPPORTED_LOCALES: Final[tuple[Locale, ...]] = get_args(Locale)
DEFAULT_LOCALE: Final[Locale] = "fr"
DOMAIN: Final = "comptoir"
LOCALE_DIR: Final = Path(__file__).resolve().parents[1] / "locale"

_current_locale: ContextVar[Locale] = ContextVar("comptoir_locale", default=DEFAULT_LOCALE)


def catalogue_path(locale: Locale) -> Path:
    """Where the ``.po`` catalogue of ``locale`` lives in the package."""
    return LOCALE_DIR / locale / "LC_MESSAGES" / f"{DOMAIN}.po"


@lru_cache(maxsize=len(SUPPORTED_LOCALES))
def translations(locale: Locale) -> _gettext.GNUTranslations:
    """The compiled catalogue of ``locale``, built once per process from its ``.po`` file.

    Fuzzy entries are left out: a translation someone has not confirmed is not shown. The
    object suits Jinja2's ``install_gettext_translations``. Raises ``ValueError`` for a locale
    Comptoir does not ship.
    """
    if locale not in SUPPORTED_LOCALES:
        raise ValueError(f"unsupported locale: {locale!r}")
    with catalogue_path(locale).open("rb") as po_file:
        catalog = read_po(po_file, locale=locale, domain=DOMAIN)
    compiled = BytesIO()
    write_mo(compiled, catalog, use_fuzzy=False)
    compiled.seek(0)
    return _gettext.GNUTranslations(compiled)


def current_locale() -> Locale:
    """The language texts are translated into right now."""
    return _current_locale.get()


@contextmanager
def use_locale(locale: Locale) -> Iterator[Locale]:
    """Translate into ``locale`` for the duration of the block (this context only)."""
    if locale not in SUPPORTED_LOCALES:
        raise ValueError(f"unsupported locale: {locale!r}")
    token = _current_locale.set(locale)
    try:
        yield locale
    finally:
        _current_locale.reset(token)


def gettext(message: str, **params: Any) -> str:
    """``message`` translated into the current language, then formatted with ``params``.

    Placeholders use ``str.format`` names (``"{count} articles"``); without ``params`` the text
    is returned as translated, braces included.
    """
    translated = translations(current_locale()).gettext(message)
    return translated.format(**params) if params else translated


_ = gettext


def ngettext(singular: str, plural: str, count: int, **params: Any) -> str:
    """The singular or plural form for ``count`` in the current language, formatted with
    ``count`` and ``params``."""
    translated = translations(current_locale()).ngettext(singular, plural, count)
    return translated.format(count=count, **params)


class LazyString:
    """A text translated each time it is turned into a string, in the language of that moment.

    Used for texts defined at import time (class attributes, constants), before any request
    has chosen a language.
    """

    __slots__ = ("message", "params")

    def __init__(self, message: str, params: dict[str, Any]) -> None:
        self.message = message
        self.params = params

    def __str__(self) -> str:
        return gettext(self.message, **self.params)

    def __repr__(self) -> str:
        return f"lazy_gettext({self.message!r})"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, LazyString):
            return (self.message, self.params) == (other.message, other.params)
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self.message)

    def translate(self, locale: Locale) -> str:
        """This text in ``locale``, whatever the current language."""
        with use_locale(locale):
            return str(self)


def lazy_gettext(message: str, **params: Any) -> LazyString:
    """Mark ``message`` for translation and translate it only when it is displayed."""
    return LazyString(message, params)


_l = lazy_gettext


def translate(text: str | LazyString, locale: Locale, **params: Any) -> str:
    """``text`` (a message id or a lazy text) in ``locale``, formatted with ``params``.

    A plain string is looked up in the catalogue as a message id; one that has no entry is
    returned unchanged, so a text that never was a message id passes through.
    """
    if isinstance(text, LazyString):
        message, params = text.message, {**text.params, **params}
    else:
        message = text
    translated = translations(locale).gettext(message)
    return translated.format(**params) if params else translated


def negotiate_locale(accept_language: str | None, default: Locale = DEFAULT_LOCALE) -> Locale:
    """The supported language the client prefers, from an ``Accept-Language`` header.

    Follows the quality values (``en-GB;q=0.8, fr;q=0.9`` gives ``fr``); a region is matched on
    its language (``en-US`` is ``en``); ``*``, garbage or nothing supported gives ``default``.
    """
    if not accept_language:
        return default
    choices: list[tuple[float, int, Locale]] = []
    for position, part in enumerate(accept_language.split(",")):
        tag, _sep, params = part.strip().partition(";")
        language = tag.strip().lower().split("-")[0]
        quality = _quality(params)
        if quality > 0 and language in SUPPORTED_LOCALES:
            choices.append((-quality, position, _as_locale(language)))
    return min(choices)[2] if choices else default


def _quality(params: str) -> float:
    for param in params.split(";"):
        name, _sep, value = param.strip().partition("=")
        if name.strip().lower() == "q":
            try:
                return max(0.0, min(1.0, float(value)))
            except ValueError:
                return 0.0
    return 1.0


def _as_locale(language: str) -> Locale:
    for locale in SUPPORTED_LOCALES:
        if locale == language:
            return locale
    return DEFAULT_LOCALE
