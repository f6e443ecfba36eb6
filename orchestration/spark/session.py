"""The Spark configuration of a build, in one place (docs/decisions/spark.md, S1-S3).

Everything Spark writes lives in `<warehouse>.build/spark/` (derived from
CCW_WAREHOUSE like the DuckDB build file, never the working directory):

  warehouse/      spark.sql.warehouse.dir: one folder of Parquet files per table
  metastore_db/   the embedded Derby metastore (the catalog of databases and tables)
  derby.log

profiles.yml's `spark` target states the same settings from the environment
variables of `dbt_env()`; tests/test_spark_profile.py keeps the two equal.
Derby is single-process: the raw loader, dbt and the comparison each open the
catalog in turn, never at the same time.

Environment: CCW_SPARK_MASTER (default local[2]), CCW_SPARK_DRIVER_MEMORY
(default 4g), CCW_SPARK_SHUFFLE_PARTITIONS (default 4: the data of one machine).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from orchestration.config import Settings, pii_salt

if TYPE_CHECKING:  # pyspark is the optional `spark` extra
    from pyspark.sql import SparkSession

DEFAULT_MASTER = "local[2]"
DEFAULT_DRIVER_MEMORY = "4g"
DEFAULT_SHUFFLE_PARTITIONS = "4"


def spark_dir(settings: Settings) -> Path:
    """<warehouse>.build/spark/: warehouse directory, metastore and Derby log."""
    return settings.work_dir / "spark"


def spark_conf(directory: Path, env: dict[str, str] | None = None) -> dict[str, str]:
    """Spark settings of a build whose files live in `directory` (the profile's server_side_parameters)."""
    env = os.environ if env is None else env
    directory = directory.resolve()
    return {
        "spark.master": env.get("CCW_SPARK_MASTER", DEFAULT_MASTER),
        "spark.app.name": "contact-cost-warehouse",
        "spark.driver.memory": env.get("CCW_SPARK_DRIVER_MEMORY", DEFAULT_DRIVER_MEMORY),
        "spark.sql.warehouse.dir": str(directory / "warehouse"),
        "spark.hadoop.javax.jdo.option.ConnectionURL": (
            f"jdbc:derby:;databaseName={directory / 'metastore_db'};create=true"
        ),
        "spark.driver.extraJavaOptions": f"-Dderby.system.home={directory}",
        # naive timestamps are UTC or business-local by name (DECISIONS.md D4), as on DuckDB
        "spark.sql.session.timeZone": "UTC",
        # dbt-spark forces ANSI off (a failed cast is null, as staging expects); said here too
        "spark.sql.ansi.enabled": "false",
        "spark.sql.shuffle.partitions": env.get("CCW_SPARK_SHUFFLE_PARTITIONS", DEFAULT_SHUFFLE_PARTITIONS),
        "spark.sql.sources.default": "parquet",
        "spark.sql.legacy.createHiveTableByDefault": "false",
        "spark.sql.parquet.outputTimestampType": "TIMESTAMP_MICROS",
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
        # hash_pii reads the salt from this setting when the SQL runs (macros/hash_pii.sql)
        "spark.ccw.pii_salt_hex": env.get("CCW_PII_SALT_HEX", ""),
    }


def dbt_env(settings: Settings) -> dict[str, str]:
    """Environment of `dbt ... --target spark` (profiles.yml reads it); its own target and log folders."""
    return {
        **settings.dbt_env(),
        "CCW_WAREHOUSE": str(settings.warehouse),
        "CCW_LANDING_DIR": str(settings.landing_dir),
        "CCW_DBT_TARGET": "spark",
        "CCW_SPARK_DIR": str(spark_dir(settings).resolve()),
        "DBT_TARGET_PATH": str(settings.work_dir / "dbt_target_spark"),
        "DBT_LOG_PATH": str(settings.work_dir / "dbt_logs_spark"),
        # hex: Spark substitutes the setting into the SQL text, where a quote in the salt would end it
        "CCW_PII_SALT_HEX": pii_salt().encode("utf-8").hex(),
    }


def get_session(settings: Settings) -> SparkSession:
    """A local Spark session on the build's catalog (the same one dbt-spark's session method opens)."""
    from pyspark.sql import SparkSession

    directory = spark_dir(settings)
    directory.mkdir(parents=True, exist_ok=True)
    builder = SparkSession.builder.enableHiveSupport()
    for key, value in spark_conf(directory).items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    return spark
