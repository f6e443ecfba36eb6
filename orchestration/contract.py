"""The landing contract (docs/DATA_CONTRACT.md) as data.

One place states every landing source, its columns, which are required, which
hold personal data and which codes a column accepts. The sample-data generator
writes these columns in this order, the ingest step reads them, and the
raw-layer quality checks test them; the staging SQL types them.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # string | timestamp | date | integer | decimal | boolean
    required: bool = False
    pii: bool = False
    codes: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Source:
    name: str
    key: tuple[str, ...]
    columns: tuple[Column, ...] = field(default_factory=tuple)

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def required_columns(self) -> list[str]:
        return [c.name for c in self.columns if c.required]

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


def _c(name: str, type_: str = "string", *, req: bool = False, pii: bool = False, codes=None) -> Column:
    return Column(name, type_, req, pii, tuple(codes) if codes else None)


CALL_OUTCOMES = ("answered", "abandoned", "ivr_self_served", "no_answer", "voicemail", "failed")
TICKET_CHANNELS = ("email", "web_form", "social")
TICKET_STATUSES = ("new", "open", "pending", "solved", "closed")
CHAT_OUTCOMES = ("answered", "abandoned", "bot_resolved")
SURVEY_SOURCES = ("telephony_calls", "tickets", "chats", "self_service_sessions")
SEGMENTS = ("large_enterprise", "sme", "individual")
GEOGRAPHIES = ("local", "national", "international")
EMPLOYMENT_TYPES = ("employee", "contractor", "outsourced")
ACTIVITY_STATES = (
    "on_contact",
    "after_contact_work",
    "available",
    "break",
    "training",
    "meeting",
    "coaching",
    "absence",
)

SOURCES: dict[str, Source] = {
    s.name: s
    for s in (
        Source(
            "telephony_calls",
            ("call_id",),
            (
                _c("call_id", req=True),
                _c("updated_at", "timestamp"),
                _c("direction", req=True, codes=("inbound", "outbound")),
                _c("started_at", "timestamp", req=True),
                _c("customer_id"),
                _c("customer_phone", pii=True),
                _c("queue"),
                _c("contact_reason"),
                _c("ivr_seconds", "integer", req=True),
                _c("queue_seconds", "integer", req=True),
                _c("agent_id"),
                _c("talk_seconds", "integer", req=True),
                _c("hold_seconds", "integer", req=True),
                _c("acw_seconds", "integer", req=True),
                _c("outcome", req=True, codes=CALL_OUTCOMES),
                _c("transferred", "boolean"),
            ),
        ),
        Source(
            "tickets",
            ("ticket_id",),
            (
                _c("ticket_id", req=True),
                _c("updated_at", "timestamp"),
                _c("channel", req=True, codes=TICKET_CHANNELS),
                _c("created_at", "timestamp", req=True),
                _c("customer_id"),
                _c("customer_email", pii=True),
                _c("contact_reason"),
                _c("agent_id"),
                _c("first_response_at", "timestamp"),
                _c("solved_at", "timestamp"),
                _c("status", req=True, codes=TICKET_STATUSES),
                _c("reopen_count", "integer"),
                _c("agent_replies", "integer"),
                _c("handle_seconds", "integer"),
            ),
        ),
        Source(
            "chats",
            ("chat_id",),
            (
                _c("chat_id", req=True),
                _c("updated_at", "timestamp"),
                _c("started_at", "timestamp", req=True),
                _c("ended_at", "timestamp"),
                _c("customer_id"),
                _c("contact_reason"),
                _c("outcome", req=True, codes=CHAT_OUTCOMES),
                _c("agent_id"),
                _c("wait_seconds", "integer"),
                _c("handle_seconds", "integer"),
                _c("concurrency", "decimal"),
            ),
        ),
        Source(
            "self_service_sessions",
            ("session_id",),
            (
                _c("session_id", req=True),
                _c("started_at", "timestamp", req=True),
                _c("customer_id"),
                _c("platform", req=True),
                _c("contact_reason"),
                _c("completed", "boolean", req=True),
            ),
        ),
        Source(
            "surveys",
            ("survey_id",),
            (
                _c("survey_id", req=True),
                _c("interaction_source", req=True, codes=SURVEY_SOURCES),
                _c("interaction_id", req=True),
                _c("responded_at", "timestamp", req=True),
                _c("csat", "integer"),
                _c("nps", "integer"),
                _c("ces", "integer"),
                _c("resolved", "boolean"),
            ),
        ),
        Source(
            "customers",
            ("customer_id",),
            (
                _c("customer_id", req=True),
                _c("segment", req=True, codes=SEGMENTS),
                _c("country"),
                _c("geography", codes=GEOGRAPHIES),
                _c("customer_since", "date"),
                _c("customer_name", pii=True),
                _c("email", pii=True),
                _c("phone", pii=True),
            ),
        ),
        Source(
            "agents",
            ("agent_id",),
            (
                _c("agent_id", req=True),
                _c("agent_name", pii=True),
                _c("team", req=True),
                _c("site"),
                _c("cost_center", req=True),
                _c("employment_type", req=True, codes=EMPLOYMENT_TYPES),
                _c("fte", "decimal", req=True),
                _c("hired_on", "date"),
                _c("left_on", "date"),
            ),
        ),
        Source(
            "agent_activity",
            ("agent_id", "activity_date", "state"),
            (
                _c("agent_id", req=True),
                _c("activity_date", "date", req=True),
                _c("state", req=True, codes=ACTIVITY_STATES),
                _c("seconds", "integer", req=True),
            ),
        ),
        Source(
            "gl_journal_lines",
            ("journal_id", "line_number"),
            (
                _c("journal_id", req=True),
                _c("line_number", "integer", req=True),
                _c("posting_date", "date", req=True),
                _c("account_code", req=True),
                _c("account_name"),
                _c("cost_center", req=True),
                _c("amount", "decimal", req=True),
                _c("currency", req=True),
                _c("description"),
            ),
        ),
    )
}

# Columns the ingest step adds to every raw table (the raw layer's lineage).
LINEAGE_COLUMNS = ("_file_name", "_row_number")
