"""contact-cost-warehouse: the Python side of the warehouse (CLI, generator, ingest, publish, Dagster)."""

__version__ = "0.1.0"
