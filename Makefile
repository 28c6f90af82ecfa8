# The two set-up commands are `make demo` and `make test` (see README.md); `make install`
# is the production install (runtime dependencies only, see README.md "Deployment").
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
RUNTIME := $(VENV)/.runtime
PREFIX ?= /opt/bridge
EXTRAS ?=
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: test demo install bench check coverage system-deps clean

# Debian's own python3 needs python3-venv for `-m venv`; install it if that is missing.
$(BIN)/python:
	$(PY) -m venv $(VENV) || { rm -rf $(VENV); $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq python3-venv && \
	  $(PY) -m venv $(VENV); }

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test,dev]'
	touch $(STAMP) $(RUNTIME)

# What the demo needs: the package and its runtime dependencies, no test or dev tools.
$(RUNTIME): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e .
	touch $(RUNTIME)

# What the test suite needs from Debian's packages: a real OpenSSH server for the SFTP
# tests, a PostgreSQL server for the ledger-on-PostgreSQL tests, systemd-analyze for
# the unit file check, Chromium and its driver for the console's browser tests, and
# promtool (prometheus) for /metrics.
system-deps:
	@missing=""; \
	[ -x /usr/sbin/sshd ] || missing="$$missing openssh-server"; \
	ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing="$$missing postgresql"; \
	command -v systemd-analyze >/dev/null 2>&1 || missing="$$missing systemd"; \
	command -v chromium >/dev/null 2>&1 || missing="$$missing chromium"; \
	command -v chromedriver >/dev/null 2>&1 || missing="$$missing chromium-driver"; \
	command -v promtool >/dev/null 2>&1 || missing="$$missing prometheus"; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; \
	fi

# Everything CI runs: the cheap static checks first (fail fast), then the whole suite
# under coverage with its floor.
test: check
	@$(MAKE) --no-print-directory coverage

demo: $(RUNTIME)
	BIN=$(BIN) bash scripts/demo.sh

# Production install: a virtualenv in $(PREFIX) with the bridge and its runtime
# dependencies only (EXTRAS=postgres adds the PostgreSQL driver). No editable install,
# so the checkout can be removed afterwards.
install:
	$(PY) -m venv $(PREFIX)
	$(PREFIX)/bin/python -m pip install -q '.$(if $(EXTRAS),[$(EXTRAS)])'
	@echo "installed $(PREFIX)/bin/bridge; see deploy/bridge.service"

bench: $(STAMP)
	$(BIN)/python bench/run_all.py

# Lint, formatting, types (strict, tests included) and the import-layer contracts.
check: $(STAMP)
	$(BIN)/ruff format --check bridge tests bench
	$(BIN)/ruff check bridge tests bench
	$(BIN)/mypy bridge tests
	$(BIN)/lint-imports

# The whole suite under branch coverage, `bridge` subprocesses included (pyproject's
# [tool.coverage.run] patch), then the report, which fails below [tool.coverage.report]
# fail_under. Two passes: the tests that run services, kill processes or time things
# (marker `serial`: tests/chaos and the e2e modules named in tests/conftest.py) alone,
# and everything else spread over the cores by pytest-xdist (each worker has its own
# sandbox, sshd and PostgreSQL; each module stays on one worker). Both passes run even if the first fails; `make coverage`
# fails if either did. PYTEST_ARGS passes options on to both, e.g. `-x`; XDIST=-n0 runs
# the first pass in one process. Bytecode is written: without it every `bridge`
# subprocess the tests start compiles the package again, and pytest re-rewrites every
# test module in every worker.
PYTEST_ARGS ?=
XDIST ?= -n auto --dist loadscope
unexport PYTHONDONTWRITEBYTECODE
coverage: $(STAMP) system-deps
	$(BIN)/coverage erase
	@status=0; \
	$(BIN)/coverage run -m pytest -m "not serial" $(XDIST) --durations=10 $(PYTEST_ARGS) || status=$$?; \
	$(BIN)/coverage run -m pytest -m serial --durations=15 $(PYTEST_ARGS) || status=$$?; \
	$(BIN)/coverage combine -q; \
	$(BIN)/coverage report || status=$$?; \
	exit $$status

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .coverage .coverage.* htmlcov
