"""The landing directory: a source's files, their fingerprint, and the issues a file can have."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from orchestration.contract import SOURCES, Source
from orchestration.errors import PipelineError
from orchestration.landing.mappings import mapped_inputs

LANDING_EXTENSIONS = (".csv", ".parquet")
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

    @classmethod
    def at(cls, landing_dir: Path, source: Source, path: Path) -> LandedFile:
        st = path.stat()
        return cls(
            source,
            path,
            path.relative_to(landing_dir).as_posix(),
            path.suffix.lower().lstrip("."),
            st.st_size,
            st.st_mtime_ns,
        )


def landing_files(landing_dir: Path, source: str) -> list[Path]:
    """The source's files, in delivery order (file name order, see docs/DECISIONS.md)."""
    folder = landing_dir / source
    if not folder.is_dir():
        return []
    return sorted(
        (p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in LANDING_EXTENSIONS),
        key=lambda p: p.name,
    )


def landing_fingerprint(landing_dir: Path, config_dir: Path | None = None) -> str:
    """sha256 of (path, size, mtime) of every landing file, mapped vendor export and mapping file:
    changes when a file is added or changed."""
    digest = hashlib.sha256()
    for source in SOURCES:
        for path in landing_files(landing_dir, source):
            st = path.stat()
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
    return max((p.stat().st_mtime for p in paths), default=0.0)


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


def header_issue(source: Source, file_name: str, header: list[str]) -> FileIssue | None:
    """missing_required_column, or wrong_delimiter when the header splits into the columns on ';' or tab."""
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
