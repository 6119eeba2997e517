# The same commands for people and for CI. Two matter on a fresh machine:
#   make run    set up, build the app and serve it with the sync service on SQLite
#   make test   set up everything the tests need and run every check and test
SHELL := /bin/bash
.DEFAULT_GOAL := run

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY_RUN_STAMP := $(VENV)/.installed-run
PY_DEV_STAMP := $(VENV)/.installed-dev
NODE_STAMP := frontend/node_modules/.installed
APP := frontend/dist/index.html
APP_SOURCES := $(shell find frontend/src frontend/public -type f 2>/dev/null) \
	frontend/index.html frontend/vite.config.ts frontend/tsconfig.json frontend/package-lock.json

.PHONY: run test setup-test lint typecheck test-frontend test-python build bench vectors api-types clean

# One person on a laptop, on 127.0.0.1: registration is open unless REGISTRATION says otherwise.
# A server for an organisation keeps the default, registration codes (docs/self-hosting.md).
run: $(PY_RUN_STAMP) $(APP) ## install what is needed, build the app, serve it
	REGISTRATION=$${REGISTRATION:-open} $(BIN)/support-circle serve

test: setup-test lint typecheck test-frontend build test-python ## every check and test

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "Support Circle needs Python 3.11 or newer (found $$($(PYTHON) --version))."; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(PY_RUN_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e .
	@touch $@

$(PY_DEV_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[dev]'
	@touch $@ $(PY_RUN_STAMP)

$(NODE_STAMP): frontend/package-lock.json
	cd frontend && npm ci --no-audit --no-fund
	@touch $@

build: $(APP) ## build the PWA when its sources changed

$(APP): $(NODE_STAMP) $(APP_SOURCES)
	cd frontend && npm run build
	@touch $@

setup-test: $(PY_DEV_STAMP) $(NODE_STAMP)
	.ci/ensure-postgres
	.ci/ensure-chromium

# The app's import rules (layers one way, no cycles, no test tooling in the app) are in
# frontend/.dependency-cruiser.cjs; `cd frontend && npm run graph` shows the graph by folder.
lint: $(PY_DEV_STAMP) $(NODE_STAMP) ## ruff for the Python; Biome, then dependency-cruiser, for the TypeScript
	$(BIN)/ruff check backend tests bench
	$(BIN)/ruff format --check backend tests bench
	cd frontend && npm run lint

typecheck: $(PY_DEV_STAMP) $(NODE_STAMP)
	$(BIN)/mypy
	cd frontend && npm run typecheck

test-frontend: $(NODE_STAMP)
	cd frontend && npm test

FUZZ := tests/robustness/test_openapi_fuzz.py

test-python: $(PY_DEV_STAMP) $(APP)
	# Two workers, a test file each at a time (tests/conftest.py gives each its own PostgreSQL
	# database); the slowest tests are printed: the whole run must stay within 20 minutes on 2 cores.
	$(BIN)/pytest -n 2 --dist loadfile --durations=30 --ignore=$(FUZZ)
	# Schemathesis gives every operation's test one node id, which pytest-xdist cannot schedule.
	$(BIN)/pytest $(FUZZ)

clean:
	rm -rf $(VENV) frontend/node_modules frontend/dist

bench: $(PY_DEV_STAMP) $(APP) ## print the figures in bench/ (never asserted)
	$(BIN)/python bench/app_size.py
	$(BIN)/python -m bench.protocol_browser
	$(BIN)/python -m bench.app_client
	$(BIN)/python -m bench.sync_server
	$(BIN)/python -m bench.membership_append
	$(BIN)/python -m bench.hostile_load

vectors: $(PY_DEV_STAMP) $(NODE_STAMP) ## rewrite shared_schema/vectors (Python from a fixed seed, then TypeScript-made ones)
	$(BIN)/python -m support_circle.protocol.vectors generate
	cd frontend && npm run vectors:fresh

api-types: $(PY_DEV_STAMP) $(NODE_STAMP) ## rewrite shared_schema/openapi.json from the server, then the app's API types from it
	$(BIN)/python -m support_circle.openapi
	cd frontend && npm run gen:api
