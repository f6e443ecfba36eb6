# The two commands of the README (make run, make test), plus the edit loop and helpers.
# Each target sets up .venv on first use (Python 3.11, the pinned dependencies of
# pyproject.toml and constraints.txt) and reinstalls only when those files change.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SPARK_STAMP := $(VENV)/.installed-spark
# sqlfluff's dbt templater opens the profile: a throwaway build file and raw file
LINT_DIR := $(CURDIR)/target/lint

.PHONY: run test test-fast test-nightly test-spark lint lint-python lint-sql dagster bench contract clean-warehouse

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=24"
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[dev]"
	touch $(STAMP)

## make run: build and publish the warehouse (generates the sample when data/landing is empty)
run: $(STAMP)
	$(BIN)/ccw run --sample-if-empty

## make test: the whole test suite (pytest; it runs dbt build with data and unit tests)
# Two pytest workers, a test module per worker at a time (--dist loadfile keeps a
# module's fixtures in one process): most of a test's time is dbt's single-threaded
# Python, so two workers use both cores (docs/DECISIONS.md D11).
test: $(STAMP)
	$(BIN)/python -m pytest -n 2 --dist loadfile -m "not nightly"

## make test-nightly: the suites of many builds in a row (nights of incremental runs compared with
## clean builds, runs killed at each step); with make test-spark, before a release
test-nightly: $(STAMP)
	$(BIN)/python -m pytest -n 2 --dist loadfile -m nightly

## make test-fast: the edit loop: unit-level tests that build no warehouse, and the contract check
test-fast: $(STAMP)
	$(BIN)/ccw contract check
	$(BIN)/ccw settings check
	$(BIN)/python -m pytest -m "not slow and not build" -q

## make lint: ruff (lint, complexity, format) on the Python, sqlfluff on the dbt models
lint: lint-python lint-sql

lint-python: $(STAMP)
	$(BIN)/ruff check orchestration tests
	$(BIN)/ruff format --check orchestration tests
	$(BIN)/python -m orchestration.tools.imports > /dev/null

lint-sql: $(STAMP)
	mkdir -p $(LINT_DIR)
	test -f $(LINT_DIR)/raw.duckdb || $(BIN)/python -c "import duckdb; duckdb.connect('$(LINT_DIR)/raw.duckdb').close()"
	CCW_BUILD_DB=$(LINT_DIR)/build.duckdb CCW_RAW_DB=$(LINT_DIR)/raw.duckdb CCW_TEMP_DIR=$(LINT_DIR) \
		$(BIN)/sqlfluff lint models --processes 2

## make contract: write the dbt files generated from landing_contract.yml (after editing it)
contract: $(STAMP)
	$(BIN)/ccw contract generate

## make dagster: the Dagster UI (asset graph, checks, schedule, sensor) on the same settings as ccw run
dagster: $(STAMP)
	DAGSTER_HOME=$(CURDIR)/dagster_home $(BIN)/dagster dev -m orchestration.dagster.definitions

# The optional `spark` extra (pyspark, dbt-spark), on top of the default install.
$(SPARK_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[dev,spark]"
	touch $(SPARK_STAMP)

## make test-spark: build the project on Spark and on DuckDB from the same small landing, compare every mart
test-spark: $(SPARK_STAMP)
	CCW_SPARK_TESTS=1 $(BIN)/python -m pytest tests/spark; status=$$?; \
	cat warehouse/spark_equality_report.txt 2>/dev/null; exit $$status

## make bench: full and one-day incremental builds at 100k, 1M and 10M interactions, the night
## against a full build of the same files -> BENCHMARKS.md
## (ccw bench --help for scales, format and memory limits)
bench: $(STAMP)
	$(BIN)/ccw bench

clean-warehouse:
	rm -rf warehouse bench_work
