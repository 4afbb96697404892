# Translations: `make messages` extracts every translatable text into the template catalogue and
# merges it into the French and English catalogues, keeping the translations already there.
# The .po files are compiled in memory at run time (comptoir.kit.i18n): nothing to build.

PYBABEL ?= .venv/bin/pybabel
LOCALE_DIR := src/comptoir/locale
MESSAGES_POT := $(LOCALE_DIR)/comptoir.pot

.PHONY: messages
messages:
	$(PYBABEL) extract --mapping-file=babel.cfg --keywords=lazy_gettext --keywords=_l \
		--project=Comptoir --copyright-holder="Comptoir contributors" --no-location --sort-output --output-file=$(MESSAGES_POT) .
	$(PYBABEL) update --input-file=$(MESSAGES_POT) --output-dir=$(LOCALE_DIR) \
		--domain=comptoir --locale=fr --no-fuzzy-matching --ignore-obsolete
	$(PYBABEL) update --input-file=$(MESSAGES_POT) --output-dir=$(LOCALE_DIR) \
		--domain=comptoir --locale=en --no-fuzzy-matching --ignore-obsolete
