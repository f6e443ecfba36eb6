"""Publishing a checked build for its readers (the last step of a run).

warehouse.py    publish(): the reader tables written beside the published file, renamed over it
delta.py        a night's publish: the published file copied, the build's changes written into it
schema.py       what the published file holds: the reader tables, their comments and keys
docs.py         write_docs(): the docs beside the published file, working offline (`ccw docs`)
docs_assets/    local copies of the files the data docs load from CDNs (README.md there)
"""
