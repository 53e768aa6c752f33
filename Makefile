# aftersales: `make run` to try it, `make test` to test it. `make help` lists the rest.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
# The PostgreSQL that `make test` also runs the suite on, when it answers.
TEST_PG_URL ?= postgres://postgres@127.0.0.1:5432/aftersales
PYTEST_WORKERS ?= 2

.DEFAULT_GOAL := help
.PHONY: help install run serve migrate demo test test-sqlite test-postgres lint typecheck fuzz messages check bench bench-quick clean

help: ## Show this help
	@grep -hE '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  %-15s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml requirements/constraints.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' || \
		{ echo "aftersales needs Python 3.11 or newer; run e.g. 'make run PYTHON=python3.12'"; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c requirements/constraints.txt -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP) ## Create .venv and install pinned dependencies

migrate: install ## Apply database migrations
	$(BIN)/aftersales migrate --noinput

demo: install ## Reload the demo data (replaces customers and cases)
	$(BIN)/aftersales demo

run: install ## Set up everything on first run, then serve http://$(HOST):$(PORT) with background jobs
	@mkdir -p data
	$(BIN)/aftersales migrate --noinput -v 0
	$(BIN)/aftersales demo --if-empty
	$(BIN)/aftersales serve --addr $(HOST) --port $(PORT)

test: install lint test-sqlite test-postgres ## Run lint and the whole suite on SQLite, then on PostgreSQL if reachable

test-sqlite: install
	DATABASE_URL=sqlite:///$(CURDIR)/data/test.sqlite3 $(BIN)/pytest -n $(PYTEST_WORKERS) -q

test-postgres: install
	@if $(BIN)/python -m aftersales.core.dbcheck "$(TEST_PG_URL)"; then \
		echo "== PostgreSQL at $(TEST_PG_URL) =="; \
		DATABASE_URL="$(TEST_PG_URL)" $(BIN)/pytest -n $(PYTEST_WORKERS) -q; \
	else \
		echo "== PostgreSQL not reachable at $(TEST_PG_URL): skipped (set TEST_PG_URL to point elsewhere) =="; \
	fi

lint: install ## ruff, migrations in step with models, Django's system checks
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	DATABASE_URL=sqlite:///$(CURDIR)/data/check.sqlite3 $(BIN)/aftersales makemigrations --check --dry-run
	$(BIN)/aftersales check

# The longer schemathesis run: FUZZ_EXAMPLES examples per operation and mode, a fresh seed.
FUZZ_EXAMPLES ?= 60
fuzz: install ## schemathesis against the OpenAPI schema, longer than in `make test` (FUZZ_EXAMPLES, FUZZ_SEED, DATABASE_URL)
	@seed=$${FUZZ_SEED:-$$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}; echo "FUZZ_SEED=$$seed FUZZ_EXAMPLES=$(FUZZ_EXAMPLES)"; \
	rm -rf data/fuzz-report; mkdir -p data/fuzz-report; \
	DATABASE_URL=$${DATABASE_URL:-sqlite:///$(CURDIR)/data/fuzz.sqlite3} FUZZ_SEED=$$seed FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) \
		FUZZ_REPORT_DIR=$(CURDIR)/data/fuzz-report $(BIN)/pytest aftersales/core/tests/test_api_fuzz.py -n $(PYTEST_WORKERS) -q; \
	status=$$?; $(BIN)/python aftersales/core/tests/fuzz_summary.py data/fuzz-report; exit $$status

typecheck: install ## mypy
	$(BIN)/mypy aftersales

messages: install ## Update and compile the translation catalogues
	$(BIN)/aftersales makemessages -l zh_Hans -l en --no-obsolete --no-location -i '.venv/*' -i 'bench/*' -i 'data/*'
	$(BIN)/aftersales compilemessages --ignore '.venv/*'

bench: install ## Run the benchmarks in bench/ (needs PostgreSQL) and print their tables
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r bench/requirements-calendar.txt
	$(BIN)/python bench/run.py $(BENCH)

bench-quick: install ## Short runs of every benchmark (a smoke test)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r bench/requirements-calendar.txt
	$(BIN)/python bench/run.py --quick $(BENCH)

clean: ## Remove the virtual environment and local data
	rm -rf $(VENV) data staticfiles
