# The two commands of the README, plus helpers. Each target sets up .venv on
# first use (Python 3.11, the pinned dependencies of pyproject.toml and
# constraints.txt) and reinstalls only when those files change.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SPARK_STAMP := $(VENV)/.installed-spark

.PHONY: run test test-spark lint dagster bench clean-warehouse

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
# Python, so two workers use both cores (9 min 26 s -> 6 min 56 s on 2 cores).
test: $(STAMP)
	$(BIN)/python -m pytest -n 2 --dist loadfile

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

## make bench: full and one-day incremental builds at 100k, 1M and 10M interactions -> BENCHMARKS.md
## (about 15 minutes on 2 cores; ccw bench --help for scales, format and memory limits)
bench: $(STAMP)
	$(BIN)/ccw bench

lint: $(STAMP)
	$(BIN)/ruff check orchestration tests
	$(BIN)/ruff format --check orchestration tests

clean-warehouse:
	rm -rf warehouse bench_work
