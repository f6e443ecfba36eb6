"""The landing side of the warehouse: vendor exports read through declarative mappings.

  mappings.py        the mapping language: a YAML file (or a shipped preset) that says which
                     contract source(s) a landing folder feeds and how each contract column is
                     computed from the export's fields; checked before anything is read
  mapped_ingest.py   the raw-layer pass for mapped folders: the contract's text columns with the
                     vendor file's lineage, in the same raw tables the contract files fill
  presets/*.yml      mappings shipped for the systems contact centers run on

The mapping language is documented in docs/MAPPINGS.md; the decisions in docs/decisions/mappings.md.
"""
