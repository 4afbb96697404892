"""Translations: the French catalogue is complete, languages are negotiated, texts are lazy."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po
from hypothesis import given
from hypothesis import strategies as st
from jinja2 import Environment

from comptoir.kit.i18n import (
    SUPPORTED_LOCALES,
    catalogue_path,
    gettext,
    lazy_gettext,
    negotiate_locale,
    ngettext,
    translations,
    use_locale,
)

ROOT = Path(__file__).resolve().parents[2]


def source_messages() -> set[str]:
    """Every message id the source tree marks for translation, as ``make messages`` sees it."""
    with (ROOT / "babel.cfg").open() as config:
        method_map, options_map = parse_mapping_cfg(config)  # type: ignore[no-untyped-call]
    keywords = {**DEFAULT_KEYWORDS, "lazy_gettext": None, "_l": None}
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        ROOT,
        method_map,
        options_map,
        keywords=keywords,
        directory_filter=lambda path: Path(path).resolve().is_relative_to(ROOT / "src"),
    ):
        found.add(message[0] if isinstance(message, tuple) else message)
    return found


def french_translations() -> dict[str, bool]:
    """Each message id of fr.po and whether it has a confirmed (not fuzzy) translation."""
    with catalogue_path("fr").open("rb") as po_file:
        catalog = read_po(po_file, locale="fr")
    done = {}
    for message in catalog:
        if not message.id:
            continue
        key = str(message.id[0] if isinstance(message.id, tuple | list) else message.id)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        done[key] = all(strings) and not message.fuzzy
    return done


def test_the_extraction_finds_the_messages_of_python_and_templates() -> None:
    messages = source_messages()

    assert "The requested resource does not exist." in messages  # lazy_gettext in Python
    assert len(messages) > 50


def test_every_message_of_the_source_has_a_french_translation() -> None:
    translated = french_translations()

    missing = sorted(m for m in source_messages() if not translated.get(m, False))

    assert missing == [], "translate these in fr.po (`make messages` adds them):\n" + "\n".join(
        missing
    )


def test_gettext_translates_into_the_current_language_and_formats() -> None:
    with use_locale("fr"):
        french = gettext("Unknown currency code: {code}.", code="XYZ")
    with use_locale("en"):
        english = gettext("Unknown currency code: {code}.", code="XYZ")

    assert (french, english) == ("Code de devise inconnu : XYZ.", "Unknown currency code: XYZ.")


def test_a_text_without_translation_is_shown_as_written() -> None:
    with use_locale("fr"):
        assert gettext("No such message {x}") == "No such message {x}"


def test_plural_forms_follow_the_language() -> None:
    singular, plural = (
        "%(num)d job shown (at most %(limit)d).",
        "%(num)d jobs shown (at most %(limit)d).",
    )
    catalogue = translations("fr")

    assert catalogue.ngettext(singular, plural, 1) == "%(num)d tâche affichée (au plus %(limit)d)."
    assert catalogue.ngettext(singular, plural, 0) == "%(num)d tâche affichée (au plus %(limit)d)."
    with use_locale("en"):
        assert ngettext("{count} line", "{count} lines", 2) == "2 lines"


def test_a_lazy_text_is_translated_when_shown_not_when_defined() -> None:
    with use_locale("en"):
        title = lazy_gettext("The requested resource does not exist.")

    with use_locale("fr"):
        assert str(title) == "La ressource demandée n’existe pas."  # noqa: RUF001
    assert title.translate("en") == "The requested resource does not exist."


def test_jinja_templates_use_the_catalogues() -> None:
    environment = Environment(extensions=["jinja2.ext.i18n"])
    environment.install_gettext_translations(translations("fr"), newstyle=True)  # type: ignore[attr-defined]

    page = environment.from_string("{{ _('Jobs') }} / {{ _('Retry') }}").render()

    assert page == "Tâches / Relancer"


def test_negotiation_follows_quality_values_and_regions() -> None:
    assert negotiate_locale("en-GB;q=0.8, fr;q=0.9", "en") == "fr"
    assert negotiate_locale("en-US", "fr") == "en"
    assert negotiate_locale("de-DE, en;q=0.5", "fr") == "en"
    assert negotiate_locale("en;q=0, de", "fr") == "fr"
    assert negotiate_locale("*", "en") == "en"
    assert negotiate_locale(None, "fr") == "fr"
    assert negotiate_locale("en;q=abc", "fr") == "fr"


@given(st.text(max_size=200), st.sampled_from(SUPPORTED_LOCALES))
def test_negotiation_always_answers_a_shipped_language(header: str, default: str) -> None:
    assert negotiate_locale(header, default) in SUPPORTED_LOCALES  # type: ignore[arg-type]
