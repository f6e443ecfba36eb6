"""The landing directory: a source's files, their fingerprint, and the issues a file can have."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from orchestration.contract import SOURCES, Source
from orchestration.errors import PipelineError
from orchestration.landing.mappings import mapped_inputs

LANDING_EXTENSIONS = (".csv", ".parquet")
# Written by the sample generator at the top of a landing directory: its data is synthetic, so a
# run on it may hash with the public default PII salt without a warning.
SAMPLE_MARKER = "SAMPLE_DATA.txt"
# File rules of entries that are not files to read (entry_issue): judged again on every run.
ENTRY_RULES = ("symlink_outside_landing", "not_a_file")
# Files read by one statement (bounded memory; a failing batch is retried file by file).
BATCH_BYTES = 256 << 20
BATCH_FILES = 400


class LandingError(PipelineError):
    """A landing file the run cannot read; the message names file, row and rule."""

    def __init__(self, file_name: str, rule: str, detail: str, row_number: int | None = None):
        self.file_name, self.rule, self.detail, self.row_number = file_name, rule, detail, row_number
        where = file_name if row_number is None else f"{file_name}, row {row_number}"
        super().__init__(f"{where}: rule '{rule}' broken: {detail}")


@dataclass(frozen=True)
class FileIssue:
    source: str
    file_name: str
    rule: str
    detail: str
    row_number: int | None = None  # 1-based data row (the header is row 0)

    def error(self) -> LandingError:
        return LandingError(self.file_name, self.rule, self.detail, self.row_number)


@dataclass
class LandedFile:
    """A file found in the landing directory."""

    source: Source
    path: Path
    file_name: str  # relative to the landing directory, e.g. telephony_calls/2026-11-21.csv
    fmt: str  # csv | parquet
    size: int
    mtime_ns: int
    sha256: str | None = None
    columns: list[str] | None = None  # header (CSV) or schema (Parquet) column names
    issue: FileIssue | None = None  # an entry the run must not read (entry_issue)

    @classmethod
    def at(cls, landing_dir: Path, source: Source, path: Path, allow_symlinks: bool = False) -> LandedFile:
        st = _stat(path)
        file_name = path.relative_to(landing_dir).as_posix()
        return cls(
            source,
            path,
            file_name,
            path.suffix.lower().lstrip("."),
            st.st_size,
            st.st_mtime_ns,
            issue=entry_issue(landing_dir, source, path, file_name, allow_symlinks),
        )


def _stat(path: Path) -> os.stat_result:
    """The entry's own status when it is a link to nothing."""
    try:
        return path.stat()
    except OSError:
        return path.lstat()


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def entry_issue(
    landing_dir: Path, source: Source, path: Path, file_name: str, allow_symlinks: bool
) -> FileIssue | None:
    """The file rule an entry named like a landing file breaks before it is opened: a symbolic link
    out of the landing directory (symlink_outside_landing, unless allowed), a link to nothing
    (unreadable_file), a directory or anything else that is not a file (not_a_file)."""
    target = path.resolve()
    if not allow_symlinks and not _inside(target, landing_dir.resolve()):
        return FileIssue(
            source.name,
            file_name,
            "symlink_outside_landing",
            f"a symbolic link to {target}, outside the landing directory: copy the file into "
            f"{path.parent} (or set CCW_ALLOW_LANDING_SYMLINKS=true to read links that leave it)",
        )
    if not path.exists():
        return FileIssue(
            source.name,
            file_name,
            "unreadable_file",
            f"a symbolic link to {target}, which does not exist: deliver the file itself",
        )
    if not path.is_file():
        what = "a directory" if path.is_dir() else "not a regular file"
        return FileIssue(
            source.name,
            file_name,
            "not_a_file",
            f"{what}, named like a landing file: only files at the top of {path.parent} are read; "
            "move its files there or rename it",
        )
    return None


def landing_files(landing_dir: Path, source: str) -> list[Path]:
    """The source's entries named like landing files (*.csv, *.parquet), in delivery order (file
    name order, see docs/DECISIONS.md). Also those that are not files to read (a directory named
    x.csv, a link out of the landing directory): the ingest reports them (entry_issue)."""
    folder = landing_dir / source
    if not folder.is_dir():
        return []
    return sorted(
        (p for p in folder.iterdir() if p.suffix.lower() in LANDING_EXTENSIONS), key=lambda p: p.name
    )


def landing_fingerprint(landing_dir: Path, config_dir: Path | None = None) -> str:
    """sha256 of (path, size, mtime) of every landing file, mapped vendor export and mapping file:
    changes when a file is added or changed."""
    digest = hashlib.sha256()
    for source in SOURCES:
        for path in landing_files(landing_dir, source):
            st = _stat(path)
            digest.update(
                f"{path.relative_to(landing_dir).as_posix()}\0{st.st_size}\0{st.st_mtime_ns}\n".encode()
            )
    for path in mapped_inputs(landing_dir, config_dir):
        st = path.stat()
        digest.update(f"{path.as_posix()}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def newest_landing_mtime(landing_dir: Path, config_dir: Path | None = None) -> float:
    """Modification time of the newest landing file, mapped vendor export or mapping file (0.0 when
    there is none)."""
    paths = [p for s in SOURCES for p in landing_files(landing_dir, s)]
    paths += mapped_inputs(landing_dir, config_dir)
    return max((_stat(p).st_mtime for p in paths), default=0.0)


def is_generated_sample(landing_dir: Path) -> bool:
    return (landing_dir / SAMPLE_MARKER).is_file()


def landing_is_empty(landing_dir: Path, config_dir: Path | None = None) -> bool:
    """No contract file and no mapped vendor export (orchestration/landing/mappings.py)."""
    exports = [p for p in mapped_inputs(landing_dir, config_dir) if landing_dir in p.parents]
    return not any(landing_files(landing_dir, s) for s in SOURCES) and not exports


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 22):
            digest.update(chunk)
    return digest.hexdigest()


def _duplicate_column(source: Source, file_name: str, header: list[str]) -> FileIssue | None:
    contract = {c.lower() for c in source.column_names}
    positions: dict[str, list[int]] = {}
    for position, name in enumerate(header, start=1):
        positions.setdefault(name.lower(), []).append(position)
    for name, where in positions.items():
        if len(where) > 1 and name in contract:
            spelled = ", ".join(f"{header[i - 1]!r} (field {i})" for i in where)
            return FileIssue(
                source.name,
                file_name,
                "duplicate_column",
                f"the header names column {name!r} {len(where)} times: {spelled}; names are compared "
                "ignoring case, so which field holds the value is ambiguous: re-export the file with "
                "each column once",
            )
    return None


def header_issue(source: Source, file_name: str, header: list[str]) -> FileIssue | None:
    """duplicate_column, missing_required_column, or wrong_delimiter when the header splits into the
    columns on ';' or tab."""
    repeated = _duplicate_column(source, file_name, header)
    if repeated:
        return repeated
    present = set(header)
    missing = [c for c in source.required_columns if c not in present]
    if not missing:
        return None
    if len(header) <= 1 and header:
        for delimiter, label in ((";", "semicolon"), ("\t", "tab")):
            fields = {f.strip() for f in header[0].split(delimiter)}
            if all(c in fields for c in source.required_columns):
                return FileIssue(
                    source.name,
                    file_name,
                    "wrong_delimiter",
                    f"the file is {label}-separated; the contract requires commas (re-export it as CSV "
                    "with ',' between fields and '.' as decimal separator)",
                )
    return FileIssue(
        source.name, file_name, "missing_required_column", f"required column(s) {missing} not in header"
    )


def batches(items: list[LandedFile]) -> list[list[LandedFile]]:
    """Consecutive groups of at most BATCH_FILES files and about BATCH_BYTES bytes."""
    groups, current, size = [], [], 0
    for item in items:
        if current and (size + item.size > BATCH_BYTES or len(current) >= BATCH_FILES):
            groups.append(current)
            current, size = [], 0
        current.append(item)
        size += item.size
    if current:
        groups.append(current)
    return groups
