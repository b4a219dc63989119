# Tutti on a fresh machine: `make run` starts it, `make test` runs the whole suite.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PIP := $(VENV)/bin/python -m pip --disable-pip-version-check -q
PYTEST_ARGS ?=

.PHONY: run test lint translations

run: $(VENV)/.installed
	$(VENV)/bin/python launcher.py

test: $(VENV)/.installed-test
	$(VENV)/bin/pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed-test
	$(VENV)/bin/ruff check .

# Extract the texts, update translations/en, write translations/fr and compile both; the .mo files are committed.
translations: $(VENV)/.installed
	$(VENV)/bin/python -m blueprints.i18n_catalogue

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)

# Stamp files: the install runs again only when pyproject.toml changes.
$(VENV)/.installed: pyproject.toml | $(VENV)/bin/python
	$(PIP) install -e .
	@touch $@

$(VENV)/.installed-test: pyproject.toml | $(VENV)/bin/python
	$(PIP) install -e '.[test]'
	@touch $@ $(VENV)/.installed
