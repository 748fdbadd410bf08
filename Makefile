# newsarchive: `make run` builds archive.db from seeds/ and serves it; `make test` runs the test suite,
# `make check` the quick loop (unit tests and lint).
# Both set themselves up: a virtual environment in .venv with the project installed in it.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
DB ?= archive.db
PORT ?= 8001

.PHONY: run archive serve test check lint bench install browser replay-tools redis lock clean

run: archive
	$(BIN)/newsarchive serve --db $(DB) --port $(PORT)

archive: $(VENV)/.installed
	$(BIN)/newsarchive ingest seeds/ --db $(DB)

serve: $(VENV)/.installed
	$(BIN)/newsarchive serve --db $(DB) --port $(PORT)

# Everything: tests/unit and tests/e2e (as CI runs it, through .ci/run).
test: $(VENV)/.installed browser replay-tools redis
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

# Installed at the versions of requirements.lock (a constraints file: the versions every dependency, direct
# or not, was last tested with), so a fresh clone gets the same packages as the last `make lock`.
$(VENV)/.installed: pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c requirements.lock -e '.[test]'
	touch $@

# Refresh requirements.lock: the newest versions pyproject.toml allows, installed into .venv, written down.
# Run the tests (make test) before committing the new lock.
lock: $(VENV)/.installed
	$(BIN)/python -m pip install --quiet --upgrade --upgrade-strategy eager -e '.[test]'
	@{ echo "# Versions make installs (pip install -c requirements.lock -e '.[test]'); refresh with: make lock"; \
	   $(BIN)/python -m pip freeze --exclude-editable | grep -v '^-e ' | LC_ALL=C sort -f; } > requirements.lock
	@echo "requirements.lock: $$(grep -vc '^#' requirements.lock) packages"

# pywb and py-wacz, which the replay tests run as a user would, in their own environment: pywb pins
# redis==2.10.6 and pyOpenSSL<26.2, which cannot share .venv (see requirements-replay.lock).
REPLAY_VENV ?= .venv-replay
replay-tools: $(REPLAY_VENV)/.installed
$(REPLAY_VENV)/.installed: requirements-replay.lock
	$(PYTHON) -m venv $(REPLAY_VENV)
	$(REPLAY_VENV)/bin/python -m pip install --quiet -r requirements-replay.lock
	touch $@

# The end-to-end browser test drives Debian's Chromium (Playwright's own browser download cannot be used), with
# a CJK font so Chinese pages render as text, not boxes (fonts-noto-cjk). Installed when missing and we may
# (root); otherwise the browser test skips and says why (without the font it runs, its screenshots show boxes).
browser:
	@missing=""; \
	command -v chromium >/dev/null 2>&1 || missing="chromium"; \
	dpkg -s fonts-noto-cjk >/dev/null 2>&1 || missing="$$missing fonts-noto-cjk"; \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
		else \
			echo "not installed: $$missing (apt-get install $$missing): the browser test may be skipped"; \
		fi; \
	fi

# The distributed tests (tests/e2e/test_distributed_*.py) start Debian's redis-server on a loopback port, as
# `newsarchive worker` and `schedule --redis` use it in production. Installed when missing and we may (root);
# otherwise those tests skip and say why.
redis:
	@if ! command -v redis-server >/dev/null 2>&1 && [ ! -x /usr/bin/redis-server ]; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null; \
		else \
			echo "not installed: redis-server (apt-get install redis-server): the distributed tests will be skipped"; \
		fi; \
	fi

clean:
	rm -rf $(VENV) $(REPLAY_VENV) *.egg-info .pytest_cache .mypy_cache .ruff_cache
