"""The same dbt models on Spark (dbt-spark, session method, local pyspark).

Optional: needs the `spark` extra (`pip install .[spark]`); nothing else in
`orchestration` imports this package.

  session.py   the Spark configuration of a build (one place; profiles.yml's
               `spark` target states the same values) and a session for Python
  ingest.py    landing files -> raw.<source> on Spark, identical to the DuckDB raw layer
  build.py     load raw, then `dbt build --target spark`, timed
  compare.py   every mart of a Spark build against the DuckDB build, row for row

Command line: `python -m orchestration.spark build` (see `--help`).
"""
