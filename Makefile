# Kring: `make run` serves it on http://127.0.0.1:$(PORT)/, `make test` tests it.

PORT ?= 5000
PYTEST_ARGS ?=
VENV := .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask --app circle
PYBABEL := $(VENV)/bin/pybabel
TRANSLATIONS := circle/translations
POT := build/messages.pot
# Message markers besides gettext's defaults (_, gettext, ngettext, N_, ...); tests/test_translations.py uses the same.
BABEL_KEYWORDS := -k _l -k lazy_gettext -k lazy_ngettext:1,2

.PHONY: venv run test translations

venv: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -e '.[test,postgres,redis]'
	touch $@

run: venv
	$(FLASK) db upgrade
	PORT=$(PORT) $(FLASK) demo --if-empty
	PORT=$(PORT) $(PY) -m circle

test: venv
	$(PY) -m pytest $(PYTEST_ARGS) || { rc=$$?; [ $$rc -eq 5 ] && echo "pytest collected no tests" >&2; exit $$rc; }

translations: venv
	mkdir -p $(dir $(POT))
	$(PYBABEL) extract -F babel.cfg $(BABEL_KEYWORDS) --add-location=file --sort-by-file \
		--project=Kring --copyright-holder="Kring contributors" -o $(POT) .
	$(PYBABEL) update -i $(POT) -d $(TRANSLATIONS) -l nl --init-missing --ignore-obsolete \
		--ignore-pot-creation-date
	$(PYBABEL) compile -d $(TRANSLATIONS) -l nl --statistics
