"""The run as a Dagster job: `dagster dev -m orchestration.dagster.definitions`.

resources.py    `ccw` (WarehouseRun: settings, per-run state, build lock) and the run config
assets.py       landing_files -> raw -> dbt models -> warehouse, with the blocking quality checks
sensors.py      the nightly schedule and the landing-directory sensor
definitions.py  Definitions of one warehouse, and execute(): the job in this process (`ccw run`)
"""
