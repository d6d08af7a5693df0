# The two commands a new user needs: `make run` and `make test`. Both bootstrap their own tools:
# only Python 3.11+ is required (uv is installed into .tools through pip).
PYTHON ?= python3
UV_VERSION ?= 0.13.9
UV := .tools/bin/uv
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 0.0.0.0
PORT ?= 8000
DEMO_DATA ?= 1
export UV_PROJECT_ENVIRONMENT := $(VENV)

.PHONY: help install run dev-env migrate seed test test-pg test-sqlite fuzz lint format typecheck bench bench-scale clean

help:
	@echo "make run    serve the API on $(HOST):$(PORT) (ENV=dev, SQLite unless DATABASE_URL is set)"
	@echo "make test   lint, type-check and run the whole test suite"
	@echo "make fuzz   schemathesis against our OpenAPI, every role (FUZZ_CASES=$(FUZZ_CASES) examples per operation)"
	@echo "make bench  the benchmark against the minimal app (PostgreSQL; bench/README.md), make bench-scale at 20x"
	@echo "make migrate | seed | lint | format | typecheck | clean"

$(UV):
	$(PYTHON) -m venv .tools
	.tools/bin/python -m pip install --quiet "uv==$(UV_VERSION)"

$(BIN)/workcommunities: $(UV) pyproject.toml uv.lock
	$(UV) sync --frozen
	@touch $@

install: $(BIN)/workcommunities

# `make run` is the development server: ENV=dev (fixed OTP code 11111, generated JWT secret kept in data/). An empty
# database gets the demo data once (DEMO_DATA=0 skips it; a database with users or companies is never touched).
run: export ENV ?= dev
run: export LOG_FORMAT ?= console
run: install migrate seed
	$(if $(and $(filter 1,$(DEMO_DATA)),$(filter dev,$(ENV))),$(BIN)/workcommunities seed demo)
	$(BIN)/workcommunities run --host $(HOST) --port $(PORT) $(if $(filter dev,$(ENV)),--reload --reload-dir src,)

migrate: install
	$(BIN)/workcommunities database upgrade --no-prompt

seed: install
	$(BIN)/workcommunities seed reference

# One pytest worker per core (pytest-xdist): each has its own databases, data folders and Redis database.
TEST_WORKERS ?= auto
test: install lint typecheck
	$(BIN)/pytest -n $(TEST_WORKERS)

# Schemathesis against our own OpenAPI on a served test database, once per role (tests/fuzz; the rules it follows are
# in schemathesis.toml). `make test` runs the same with FUZZ_CASES=3 and a fixed seed; here every run draws new cases.
FUZZ_CASES ?= 50
FUZZ_SEED ?= random
fuzz: install
	FUZZ_CASES=$(FUZZ_CASES) FUZZ_SEED=$(FUZZ_SEED) $(BIN)/pytest tests/fuzz -m fuzz -rP

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

typecheck: install
	$(BIN)/mypy

# The benchmark (bench/README.md): a PostgreSQL server from BENCH_DATABASE_URL (default: postgres@127.0.0.1:5432),
# wrk installed when missing. BENCH_ARGS passes options, e.g. BENCH_ARGS=--keep to reuse the loaded database.
bench: install
	$(BIN)/python -m bench $(BENCH_ARGS)

bench-scale: install
	$(BIN)/python -m bench --scale 20 --scale-pass $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .tools .pytest_cache .ruff_cache .mypy_cache .hypothesis .schemathesis
