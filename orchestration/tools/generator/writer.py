"""Text rendering and file writing, exactly per the landing contract.

Values are rendered once into text columns (the same text goes to CSV and to
Parquet, where every column is a string column), so both formats carry the same
timestamp styles and the same defects:
  telephony_calls   UTC with Z            2026-11-21T14:03:12Z
  tickets           local with offset     2026-11-21T09:03:12-05:00
  chats, self_service_sessions, surveys   local, no offset   2026-11-21T09:03:12
CSV: UTF-8, header, comma, `"` quoting only where a value needs it, empty = null,
booleans true/false, amounts with `.` and 2 decimals, `\n` line ends.
"""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from orchestration.contract import SOURCES

from .timeline import NULL, fmt_local, fmt_offset, fmt_utc_z

TIMESTAMP_STYLE = {
    "telephony_calls": "z",
    "tickets": "offset",
    "chats": "local",
    "self_service_sessions": "local",
    "surveys": "local",
}


def fmt_cents(cents: np.ndarray) -> pa.Array:
    cents = np.asarray(cents, dtype=np.int64)
    mask = cents == NULL
    c = np.where(mask, 0, cents)
    a = np.abs(c)
    sign = pa.array(np.where(c < 0, "-", ""), type=pa.string())
    whole = pc.cast(pa.array(a // 100), pa.string())
    frac = pc.utf8_lpad(pc.cast(pa.array(a % 100), pa.string()), 2, "0")
    txt = pc.binary_join_element_wise(sign, whole, ".", frac, "")
    return pc.if_else(pa.array(mask), pa.scalar(None, pa.string()), txt)


def _text(value, type_: str, style: str | None, tz: ZoneInfo) -> pa.Array:
    if isinstance(value, pa.ChunkedArray):
        value = value.combine_chunks()
    if isinstance(value, pa.Array):
        return value.cast(pa.string())
    value = np.asarray(value)
    if value.dtype == object:
        return pa.array(value, type=pa.string())
    if type_ == "integer":
        return pc.cast(pa.array(value, mask=value == NULL, type=pa.int64()), pa.string())
    if type_ == "boolean":
        v = value.astype(np.int8)
        return pc.cast(pa.array(v == 1, mask=v < 0), pa.string())
    if type_ == "decimal":
        return fmt_cents(value)
    if type_ == "timestamp":
        if style == "z":
            return fmt_utc_z(value)
        if style == "offset":
            return fmt_offset(value, tz)
        return fmt_local(value, tz)
    raise TypeError(f"cannot render {value.dtype} as {type_}")


def to_table(source: str, columns: dict, tz: ZoneInfo) -> pa.Table:
    """Contract columns, in contract order, as text."""
    src = SOURCES[source]
    style = TIMESTAMP_STYLE.get(source)
    arrays = [_text(columns[c.name], c.type, style, tz) for c in src.columns]
    return pa.Table.from_arrays(arrays, names=src.column_names)


def _csv_field(col: pa.Array) -> pa.Array:
    need = pc.or_(
        pc.or_(pc.match_substring(col, ","), pc.match_substring(col, '"')),
        pc.or_(pc.match_substring(col, "\n"), pc.equal(pc.utf8_length(col), 0)),
    )
    if pc.any(need).as_py():
        need = pc.or_(need, pc.match_substring(col, "\r"))
        quoted = pc.binary_join_element_wise('"', pc.replace_substring(col, '"', '""'), '"', "")
        col = pc.if_else(need, quoted, col)
    return col


# Free-text columns may need CSV quoting; every other column holds generated codes, ids, numbers or
# timestamps (also after defect injection) that never contain a comma, a quote or a line break.
FREE_TEXT = {
    "customer_name",
    "agent_name",
    "email",
    "customer_email",
    "account_name",
    "description",
    "team",
    "site",
}


def csv_lines(table: pa.Table, source: str | None = None) -> bytes:
    """The data rows of a table as CSV text (no header)."""
    if table.num_rows == 0:
        return b""
    cols = []
    for name in table.column_names:
        col = table.column(name).combine_chunks()
        if source is None or name in FREE_TEXT:
            col = _csv_field(col)
        cols.append(col)
    lines = pc.binary_join_element_wise(*cols, ",", null_handling="replace", null_replacement="")
    lines = pc.binary_join_element_wise(lines, "\n", "")
    offsets = lines.buffers()[1]
    data = lines.buffers()[2]
    off = np.frombuffer(offsets, dtype=np.int32, count=len(lines) + 1, offset=lines.offset * 4)
    return bytes(memoryview(data)[off[0] : off[-1]])


def csv_bytes(table: pa.Table, source: str | None = None) -> bytes:
    return (",".join(table.column_names) + "\n").encode() + csv_lines(table, source)


def write(table: pa.Table, path: Path, fmt: str, source: str | None = None) -> None:
    write_chunks([table], path, fmt, source)


def write_chunks(tables, path: Path, fmt: str, source: str | None = None) -> None:
    """Write one file from one or more tables of the same columns (bounded memory for big snapshots)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    writer = None
    with open(tmp, "wb") as fh:
        for i, table in enumerate(tables):
            if fmt == "csv":
                if i == 0:
                    fh.write((",".join(table.column_names) + "\n").encode())
                fh.write(csv_lines(table, source))
            else:
                if writer is None:
                    writer = pq.ParquetWriter(fh, table.schema, compression="zstd")
                writer.write_table(table)
        if writer is not None:
            writer.close()
    tmp.replace(path)
