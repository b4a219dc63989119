# Tutti on a fresh machine: `make run` starts it, `make test` runs the whole suite.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PIP := $(VENV)/bin/python -m pip --disable-pip-version-check -q
PYTEST_ARGS ?=
# The locks pin every package with its hashes: pyproject.toml keeps the ranges, `make lock` resolves them again.
LOCK := requirements.lock
TEST_LOCK := requirements-test.lock
LOCK_TOOLS := $(VENV)/lock-tools
LOCK_ARGS ?=
PIP_COMPILE = CUSTOM_COMPILE_COMMAND="make lock" $(LOCK_TOOLS)/bin/pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras \
	--build-deps-for editable --no-emit-index-url --no-emit-find-links --no-emit-trusted-host $(LOCK_ARGS)

.PHONY: run test lint translations lock

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

# Stamp files: the install runs again when pyproject.toml or the lock changes. The locked set is installed with
# its hashes checked, then Tutti itself with no dependencies and no build isolation (its build backend, setuptools,
# is in the lock too).
$(VENV)/.installed: pyproject.toml $(LOCK) | $(VENV)/bin/python
	$(PIP) install --require-hashes -r $(LOCK)
	$(PIP) install --no-deps --no-build-isolation -e .
	@touch $@

# The test lock holds the app's lock, same versions, plus the test tools: it stands for both stamps.
$(VENV)/.installed-test: pyproject.toml $(TEST_LOCK) | $(VENV)/bin/python
	$(PIP) install --require-hashes -r $(TEST_LOCK)
	$(PIP) install --no-deps --no-build-isolation -e .
	@touch $@ $(VENV)/.installed

# Resolve pyproject.toml's ranges again into both locks (`make lock LOCK_ARGS=--upgrade` moves every pin to the
# newest release in range; without it, pins stay and only what pyproject.toml changed moves). The test lock is
# resolved first and seeds the app's, so both pin the same versions.
lock: | $(VENV)/bin/python
	test -x $(LOCK_TOOLS)/bin/pip-compile || ($(PYTHON) -m venv $(LOCK_TOOLS) && \
		$(LOCK_TOOLS)/bin/python -m pip --disable-pip-version-check -q install 'pip-tools>=7.4')
	$(PIP_COMPILE) --extra test -o $(TEST_LOCK) pyproject.toml
	cp $(TEST_LOCK) $(LOCK)
	$(PIP_COMPILE) -o $(LOCK) pyproject.toml
