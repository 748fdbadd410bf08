# newsarchive: `make run` builds archive.db from seeds/ and serves it; `make test` runs the test suite,
# `make check` the quick loop (unit tests and lint).
# Both set themselves up: a virtual environment in .venv with the project installed in it.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
DB ?= archive.db
PORT ?= 8001

.PHONY: run archive serve test check lint bench install browser clean

run: archive
	$(BIN)/newsarchive serve --db $(DB) --port $(PORT)

archive: $(VENV)/.installed
	$(BIN)/newsarchive ingest seeds/ --db $(DB)

serve: $(VENV)/.installed
	$(BIN)/newsarchive serve --db $(DB) --port $(PORT)

# Everything: tests/unit and tests/e2e (as CI runs it, through .ci/run).
test: $(VENV)/.installed browser
	$(BIN)/python -m pytest

# The quick loop: the in-process unit tests (under a minute), then lint.
check: $(VENV)/.installed
	$(BIN)/python -m pytest tests/unit -q
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy crawler pipelines publish bench tests/support

lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy crawler pipelines publish bench tests/support

bench: $(VENV)/.installed
	$(BIN)/python bench/extraction.py

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

# The end-to-end browser test drives Debian's Chromium (Playwright's own browser download cannot be used).
# Installed when missing and we may (root); otherwise that one test skips and says why.
browser:
	@if ! command -v chromium >/dev/null 2>&1; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
		else \
			echo "chromium is not installed (apt-get install chromium): the browser test will be skipped"; \
		fi; \
	fi

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache .mypy_cache .ruff_cache
