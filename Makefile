# Shortcuts for the commands in README.md.
VENV ?= .venv
PY = $(VENV)/bin/python

.PHONY: install run test lint migrate
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
