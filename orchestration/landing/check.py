"""`ccw mappings check`: every mapped landing folder read through its mapping, nothing written.

Per folder: the mapping (file or preset), the contract sources it feeds, the files and records
read, the rows each source would get, the records no source reads (filtered out, e.g. Amazon
Connect tasks), and the first problems: a mapping that cannot be used (file, line, problem), a
file the mapping cannot read (its file rule), and the row rules staging would quarantine rows
for (counted as the raw suite counts them, with the first file and row). Landing folders that are
neither a contract source nor mapped are listed: nothing reads them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from orchestration.contract import ROW_RULES, SOURCES
from orchestration.landing.mappings import (
    ExportIssue,
    MappingError,
    drop_export,
    load_mapping,
    mapped_files,
    mapping_files,
    read_export,
    set_variables,
    target_select,
)
from orchestration.landing.registry import csv_table, ensure_state
from orchestration.quality.metrics import RuleSettings, compute_file_metrics

MAX_PROBLEMS = 5


@dataclass
class FolderCheck:
    folder: str
    mapping: str  # the mapping file, or "preset <name> (<file>)"
    sources: list[str] = field(default_factory=list)
    files: int = 0
    records: int = 0
    unread_records: int = 0
    rows: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    error: str | None = None  # the mapping cannot be used
    file_issues: int = 0

    @property
    def ok(self) -> bool:
        return self.error is None and self.file_issues == 0

    def render(self) -> str:
        lines = [f"{self.folder}/  {self.mapping}"]
        if self.error:
            lines.append(f"  MAPPING ERROR {self.error}")
            return "\n".join(lines)
        unread = f" ({self.unread_records:,} read by no source)" if self.unread_records else ""
        lines.append(
            f"  feeds {', '.join(self.sources)}; {self.files} file(s), {self.records:,} records{unread}"
        )
        for source in self.sources:
            lines.append(f"  {source:<24} {self.rows.get(source, 0):>10,} rows")
        if not self.files:
            lines.append("  (no export file in the folder yet)")
        lines.extend(f"  problem: {p}" for p in self.problems[:MAX_PROBLEMS])
        if len(self.problems) > MAX_PROBLEMS:
            lines.append(f"  ... {len(self.problems) - MAX_PROBLEMS} more problem(s)")
        if not self.problems and self.files:
            lines.append("  no problem found")
        return "\n".join(lines)


def unread_folders(landing_dir: Path, mapped: set[str]) -> list[str]:
    """Landing folders nothing reads: neither a contract source nor mapped."""
    if not landing_dir.is_dir():
        return []
    return sorted(
        p.name
        for p in landing_dir.iterdir()
        if p.is_dir() and not p.name.startswith((".", "_")) and p.name not in SOURCES and p.name not in mapped
    )


def check_mappings(landing_dir: Path, config_dir: Path | None, rules: RuleSettings) -> list[FolderCheck]:
    try:
        found = mapping_files(landing_dir, config_dir)
    except MappingError as exc:
        return [FolderCheck("?", "", error=str(exc))]
    results = []
    con = duckdb.connect()
    try:
        ensure_state(con)
        set_variables(con, rules.timezone, rules.reporting_currency)
        for folder, path in found.items():
            label = f"preset {path.stem} ({path})" if path.parent.name == "presets" else str(path)
            check = FolderCheck(folder, label)
            results.append(check)
            try:
                if folder in SOURCES:
                    raise MappingError(
                        path, None, f"'{folder}' is a contract source folder, read as the contract"
                    )
                mapping = load_mapping(path, folder)
            except MappingError as exc:
                check.error = str(exc).removeprefix("mapping ")
                continue
            if mapping.preset:
                check.mapping = f"{path} (preset {mapping.preset})"
            check.sources = list(mapping.sources)
            for source in mapping.sources:
                con.execute(
                    f"create or replace temp table _check_{source} as select * from {csv_table(source)} limit 0"
                )
                con.execute(f"alter table _check_{source} add column _record_number bigint")
            for export in mapped_files(landing_dir, mapping):
                name = export.relative_to(landing_dir).as_posix()
                check.files += 1
                try:
                    records = read_export(con, mapping, export, name)
                    read: set[int] = set()
                    for source in mapping.sources:
                        sql = target_select(mapping, source, record=True)
                        con.execute(f"insert into _check_{source} select * from ({sql})")
                        read |= {
                            r[0]
                            for r in con.execute(
                                f"select distinct _record_number from _check_{source} where _file_name = ?",
                                [name],
                            ).fetchall()
                        }
                    check.records += records
                    check.unread_records += records - len(read)
                except ExportIssue as issue:
                    check.file_issues += 1
                    check.problems.append(f"{name}: rule '{issue.rule}' broken: {issue.detail}")
                except duckdb.Error as exc:
                    check.file_issues += 1
                    check.problems.append(
                        f"{name}: rule 'unreadable_file' broken: {str(exc).splitlines()[0]}"
                    )
                finally:
                    drop_export(con)
            for source in mapping.sources:
                relation = f"(select * exclude (_record_number) from _check_{source})"
                check.rows[source] = con.execute(f"select count(*) from {relation}").fetchall()[0][0]
                if not check.rows[source]:
                    continue
                metrics = compute_file_metrics(con, SOURCES[source], relation, rules)
                for rule in ROW_RULES:
                    hits = metrics[metrics[rule] > 0]
                    if len(hits):
                        first = hits.iloc[0]
                        check.problems.append(
                            f"{source}: {int(hits[rule].sum()):,} row(s) break {rule} (first: "
                            f"{first['file_name']}, row {int(first[f'{rule}_first_row'])}); staging quarantines them"
                        )
    finally:
        con.close()
    return results
