"""The one job: every asset, in one process (the build file has one writer)."""

from __future__ import annotations

import dagster as dg

from orchestration.config import Settings

JOB_NAME = "ccw_build"


def run_tags(settings: Settings) -> dict[str, str]:
    # One build per warehouse: runs carry the warehouse, for a tag concurrency limit of 1
    # (docs/decisions/orchestration.md); the build lock enforces it regardless.
    return {"ccw/warehouse": str(settings.warehouse)}


def build_job(settings: Settings) -> dg.UnresolvedAssetJobDefinition:
    return dg.define_asset_job(
        JOB_NAME,
        selection="*",
        executor_def=dg.in_process_executor,
        description="Landing -> raw -> dbt build -> quality checks -> atomic publish. The job `ccw run`, "
        "the nightly schedule and the landing sensor all run.",
        tags=run_tags(settings),
    )
