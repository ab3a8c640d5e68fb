# Kring: `make run` serves it on http://127.0.0.1:$(PORT)/, `make test` tests it (on SQLite),
# `make test-postgres` tests it on PostgreSQL.

PORT ?= 5000
PYTEST_ARGS ?=
# The PostgreSQL server `make test-postgres` makes its test databases on (docs/testing.md).
TEST_POSTGRES ?= postgresql://postgres@127.0.0.1:5432/postgres
VENV := .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask --app circle
PYBABEL := $(VENV)/bin/pybabel
TRANSLATIONS := circle/translations
POT := build/messages.pot
# Every language in circle/__init__.py's LANGUAGES but English (the source language) has a catalogue.
CATALOGUES = $(shell sed -n 's/^LANGUAGES = (\(.*\))/\1/p' circle/__init__.py | tr -d '",' | sed 's/\ben\b//')
# Message markers besides gettext's defaults (_, gettext, ngettext, N_, ...); tests/test_translations.py uses the same.
BABEL_KEYWORDS := -k _l -k lazy_gettext -k lazy_ngettext:1,2

.PHONY: venv run test test-postgres translations

venv: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -e '.[test,postgres,redis]'
	touch $@

run: venv
	$(FLASK) db upgrade
	PORT=$(PORT) $(FLASK) demo --if-empty
	PORT=$(PORT) $(PY) -m circle

test: venv node_modules/.installed
	$(PY) -m pytest $(PYTEST_ARGS) || { rc=$$?; [ $$rc -eq 5 ] && echo "pytest collected no tests" >&2; exit $$rc; }

# The same suite on PostgreSQL: each test on its own database there, all dropped afterwards.
test-postgres:
	KRING_TEST_POSTGRES=$(TEST_POSTGRES) $(MAKE) test

# axe-core for tests/test_accessibility.py, from npm (package-lock.json pins it); skipped, saying so, without npm.
node_modules/.installed: package.json package-lock.json
	@if command -v npm >/dev/null; then npm ci --no-audit --no-fund && touch $@; \
	else echo "no npm: tests/test_accessibility.py will skip (install Node.js and npm to run it)" >&2; fi

translations: venv
	mkdir -p $(dir $(POT))
	$(PYBABEL) extract -F babel.cfg $(BABEL_KEYWORDS) --add-location=file --sort-by-file --width=100 \
		--project=Kring --copyright-holder="Kring contributors" -o $(POT) .
	for lang in $(CATALOGUES); do \
		$(PYBABEL) update -i $(POT) -d $(TRANSLATIONS) -l $$lang --init-missing --ignore-obsolete --no-fuzzy-matching --width=100 \
			--ignore-pot-creation-date || exit 1; \
	done
	$(PYBABEL) compile -d $(TRANSLATIONS) --statistics
