"""The landing contract (landing_contract.yml, explained in docs/DATA_CONTRACT.md) as Python data.

landing_contract.yml is the one definition of every landing source, its columns (types,
required, personal data, codes), its key, its staging models, its row rules, and the file
rules every landing file is held to. This
module reads it once: the ingest, the raw-layer quality checks, the sample generator and
the Spark loader use `SOURCES`; `ccw contract generate` (orchestration/tools/contract.py)
writes the dbt files derived from it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

CONTRACT_FILE = Path(__file__).resolve().parent.parent / "landing_contract.yml"
TYPES = ("string", "timestamp", "date", "integer", "decimal", "boolean")


class ContractError(ValueError):
    """landing_contract.yml does not describe a valid contract; the message says where."""


@dataclass(frozen=True)
class Column:
    name: str
    type: str = "string"  # one of TYPES
    required: bool = False
    pii: bool = False
    codes: tuple[str, ...] | None = None
    description: str = ""

    @property
    def is_duration(self) -> bool:
        """An integer count of seconds (rule negative_duration)."""
        return self.type == "integer" and (self.name == "seconds" or self.name.endswith("_seconds"))


@dataclass(frozen=True)
class Range:
    """Rule out_of_range: a number below min (at or below, exclusive_min) or above max."""

    column: str
    min: float | None = None
    max: float | None = None
    exclusive_min: bool = False


@dataclass(frozen=True)
class EndBeforeStart:
    """Rule end_before_start: `end` must not be before `start`."""

    end: str
    start: str


@dataclass(frozen=True)
class CurrencyRule:
    """Rule unknown_currency: a `currency` other than the reporting currency needs an fx rate for the
    month of `date`."""

    currency: str
    date: str


@dataclass(frozen=True)
class DecimalsRule:
    """Rule too_many_decimals: `amount` must not carry more decimals than its `currency` has."""

    amount: str
    currency: str


@dataclass(frozen=True)
class Source:
    name: str
    key: tuple[str, ...]
    columns: tuple[Column, ...] = field(default_factory=tuple)
    description: str = ""
    base_model: str = ""
    staging_model: str = ""
    interaction_start: str | None = None  # interaction sources: the column that dates the interaction
    ranges: tuple[Range, ...] = ()
    end_before_start: tuple[EndBeforeStart, ...] = ()
    future_exempt: tuple[str, ...] = ()
    past_exempt: tuple[str, ...] = ()
    too_many_decimals: DecimalsRule | None = None
    unknown_currency: CurrencyRule | None = None

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def required_columns(self) -> list[str]:
        return [c.name for c in self.columns if c.required]

    @property
    def is_interaction(self) -> bool:
        return self.interaction_start is not None

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


def _column(source: str, data: dict) -> Column:
    type_ = data.get("type", "string")
    if type_ not in TYPES:
        raise ContractError(
            f"{CONTRACT_FILE.name}: {source}.{data.get('name')}: type '{type_}' is not one of {TYPES}"
        )
    codes = data.get("codes")
    return Column(
        name=data["name"],
        type=type_,
        required=bool(data.get("required", False)),
        pii=bool(data.get("pii", False)),
        codes=tuple(str(c) for c in codes) if codes else None,
        description=str(data.get("description", "")),
    )


def _source(name: str, data: dict) -> Source:
    columns = tuple(_column(name, c) for c in data["columns"])
    rules = data.get("rules") or {}
    currency = rules.get("unknown_currency")
    decimals = rules.get("too_many_decimals")
    source = Source(
        name=name,
        key=tuple(data["key"]),
        columns=columns,
        description=str(data.get("description", "")),
        base_model=data["base_model"],
        staging_model=data["staging_model"],
        interaction_start=data.get("interaction_start"),
        ranges=tuple(Range(**r) for r in rules.get("out_of_range", [])),
        end_before_start=tuple(EndBeforeStart(**r) for r in rules.get("end_before_start", [])),
        future_exempt=tuple(rules.get("future_exempt", [])),
        past_exempt=tuple(rules.get("past_exempt", [])),
        too_many_decimals=DecimalsRule(**decimals) if decimals else None,
        unknown_currency=CurrencyRule(**currency) if currency else None,
    )
    named = {*source.key, *(r.column for r in source.ranges), *source.future_exempt, *source.past_exempt}
    named |= {c for r in source.end_before_start for c in (r.end, r.start)}
    named |= (
        {source.unknown_currency.currency, source.unknown_currency.date} if source.unknown_currency else set()
    )
    named |= (
        {source.too_many_decimals.amount, source.too_many_decimals.currency}
        if source.too_many_decimals
        else set()
    )
    named |= {source.interaction_start} if source.interaction_start else set()
    unknown = sorted(named - set(source.column_names))
    if unknown:
        raise ContractError(f"{CONTRACT_FILE.name}: {name} names column(s) {unknown} it does not have")
    return source


@dataclass(frozen=True)
class Contract:
    sources: dict[str, Source]  # in contract order
    file_rules: dict[str, str]  # rule -> description: what makes a landing file unreadable as a whole
    csv_max_line_bytes: int  # the longest CSV row the reader accepts (file rule line_too_long)
    row_rules: dict[str, str]  # rule -> description, in precedence order
    lineage: dict[str, str]  # column the ingest adds -> description
    value_forms: dict[str, str]  # date, local_timestamp, zoned_timestamp, zone_offset -> pattern


def load_contract(path: Path = CONTRACT_FILE) -> Contract:
    data = yaml.safe_load(path.read_text())
    return Contract(
        sources={name: _source(name, s) for name, s in data["sources"].items()},
        file_rules={r["name"]: " ".join(str(r["description"]).split()) for r in data["file_rules"]},
        csv_max_line_bytes=int(data["csv_max_line_bytes"]),
        row_rules={r["name"]: " ".join(str(r["description"]).split()) for r in data["row_rules"]},
        lineage=dict(data["lineage_columns"]),
        value_forms={k: str(v) for k, v in data["value_forms"].items()},
    )


CONTRACT = load_contract()
SOURCES = CONTRACT.sources
FILE_RULES = tuple(CONTRACT.file_rules)
ROW_RULES = tuple(CONTRACT.row_rules)  # in precedence order
LINEAGE = CONTRACT.lineage
VALUE_FORMS = CONTRACT.value_forms
# Columns the ingest adds to every raw table (the raw layer's lineage).
LINEAGE_COLUMNS = tuple(LINEAGE)
INTERACTION_SOURCES = tuple(name for name, s in SOURCES.items() if s.is_interaction)

# Code lists the sample generator indexes into.
TICKET_STATUSES = SOURCES["tickets"].column("status").codes
SEGMENTS = SOURCES["customers"].column("segment").codes
GEOGRAPHIES = SOURCES["customers"].column("geography").codes
