"""Tooling around the warehouse, not part of a run.

generator/  `ccw generate`: realistic sample landing files (docs/SAMPLE_DATA.md)
bench.py    `ccw bench`: full and incremental builds at several scales -> BENCHMARKS.md
contract.py `ccw contract`: write the dbt files derived from the landing contract
imports.py  the package's import graph (no circles)
"""
