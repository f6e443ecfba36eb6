"""Data-quality gates on the raw, staging and marts layers (docs/decisions/quality.md).

policy.py   quality_policy.yml: which failed check stops a run, quarantines rows or warns
metrics.py  small metric frames computed in DuckDB SQL (one row per file, table, month, ...)
suites.py   the Great Expectations suites over those frames, one per layer
checks.py   check_layer(): run a layer's suites, the results, QualityFailed
"""
