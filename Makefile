# Shortcuts for the commands in README.md.
VENV ?= .venv
PY = $(VENV)/bin/python

.PHONY: install run test lint migrate messages
install:
	python3 -m venv $(VENV) && $(VENV)/bin/pip install -e ".[dev]"
run:
	$(PY) main.py
test:
	$(VENV)/bin/pytest
lint:
	$(VENV)/bin/ruff check . && $(VENV)/bin/ruff format --check .
migrate:
	$(PY) main.py migrate
messages:  # refresh the message template and merge it into every catalog (then translate what is new)
	$(VENV)/bin/pybabel extract -k _ -k N_ -k ngettext:1,2 --no-default-keywords --omit-header --sort-output \
		--no-location -o bot/locales/messages.pot bot blocks handlers console
	$(VENV)/bin/pybabel update -i bot/locales/messages.pot -d bot/locales -D messages -w 100
