"""The dbt build of a run (after landing, before the checks).

plan.py  what the next `dbt build` processes: incremental, or a full refresh and why
dbt.py   the dbt project (manifest preparation) and the dbt command line of the build
lock.py  one build per warehouse at a time
"""
