"""Landing files -> the raw layer (the first step of a run).

files.py          the landing directory: which files a source has, their fingerprint,
                  file issues (the file rules of quality_policy.yml)
csv_files.py      strict CSV reading (header, batches, cut and malformed rows)
parquet_files.py  Parquet files, read in place
registry.py       the raw layer's own tables: raw._landing_files, raw._build_state,
                  raw._csv_<source> and the views raw.<source>
ingest.py         ingest(): bring the raw layer up to date with the landing directory

Vendor exports read through declarative mappings:

mappings.py       the mapping language: a YAML file (or a shipped preset) that says which
                  contract source(s) a landing folder feeds and how each contract column is
                  computed from the export's fields; checked before anything is read
mapped_ingest.py  the raw-layer pass for mapped folders: the contract's text columns with the
                  vendor file's lineage, in the same raw tables the contract files fill
check.py          `ccw mappings check`: every mapped folder read through its mapping, nothing written
presets/*.yml     mappings shipped for the systems contact centers run on

The mapping language is documented in docs/MAPPINGS.md; the decisions in docs/decisions/mappings.md.
"""
