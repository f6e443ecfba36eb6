"""Landing files -> the raw layer (the first step of a run).

files.py          the landing directory: which files a source has, their fingerprint,
                  file issues (the file rules of quality_policy.yml)
csv_files.py      strict CSV reading (header, batches, cut and malformed rows)
parquet_files.py  Parquet files, read in place
registry.py       the raw layer's own tables: raw._landing_files, raw._build_state,
                  raw._csv_<source> and the views raw.<source>
ingest.py         ingest(): bring the raw layer up to date with the landing directory
"""
