"""dbt-duckdb plugin (profiles.yml, `plugins`): the PII salt as a session variable of every cursor.

hash_pii (macros/hash_pii.sql) reads `getvariable('ccw_pii_salt')` when the SQL runs, so
neither the compiled SQL nor dbt's manifest holds the salt: it goes from the environment
(CCW_PII_SALT, else the default of orchestration/config.py) to DuckDB's memory, never to a
file. dbt-duckdb opens a cursor per thread and statement batch; each one gets the variable.
"""

from __future__ import annotations

from dbt.adapters.duckdb.plugins import BasePlugin

from orchestration.config import pii_salt

SALT_VARIABLE = "ccw_pii_salt"  # macros/hash_pii.sql reads it by this name


class Plugin(BasePlugin):
    def configure_cursor(self, cursor) -> None:
        cursor.execute(f"set variable {SALT_VARIABLE} = ?", [pii_salt()])
