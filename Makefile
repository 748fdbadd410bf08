# newsarchive: `make run` builds archive.db from seeds/ and serves it; `make test` runs the test suite.
# Both set themselves up: a virtual environment in .venv with the project installed in it.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
DB ?= archive.db
PORT ?= 8001

.PHONY: run archive serve test lint bench install clean

run: archive
	$(BIN)/newsarchive serve --db $(DB) --port $(PORT)

archive: $(VENV)/.installed
	$(BIN)/newsarchive ingest seeds/ --db $(DB)

serve: $(VENV)/.installed
	$(BIN)/newsarchive serve --db $(DB) --port $(PORT)

test: $(VENV)/.installed
	$(BIN)/python -m pytest

lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy crawler pipelines publish bench

bench: $(VENV)/.installed
	$(BIN)/python bench/extraction.py

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache .mypy_cache .ruff_cache
