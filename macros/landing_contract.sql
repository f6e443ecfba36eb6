{#-
    The landing contract (orchestration/contract.py, docs/DATA_CONTRACT.md) as
    Jinja data, for the staging validation macros. Generated from contract.py;
    tests/test_staging.py fails when the two drift apart. Each column:
    {name, type, required, pii, codes}.
-#}
{% macro landing_contract() %}
{{ return({
    'telephony_calls': {
        'key': ['call_id'],
        'columns': [
            {'name': 'call_id', 'type': 'string', 'required': true, 'pii': false, 'codes': none},
            {'name': 'updated_at', 'type': 'timestamp', 'required': false, 'pii': false, 'codes': none},
            {'name': 'direction', 'type': 'string', 'required': true, 'pii': false, 'codes': ['inbound', 'outbound']},
            {'name': 'started_at', 'type': 'timestamp', 'required': true, 'pii': false, 'codes': none},
            {'name': 'customer_id', 'type': 'string', 'required': false, 'pii': false, 'codes': none},
            {'name': 'customer_phone', 'type': 'string', 'required': false, 'pii': true, 'codes': none},
            {'name': 'queue', 'type': 'string', 'required': false, 'pii': false, 'codes': none},
            {'name': 'contact_reason', 'type': 'string', 'required': false, 'pii': false, 'codes': none},
            {'name': 'ivr_seconds', 'type': 'integer', 'required': true, 'pii': false, 'codes': none},
            {'name': 'queue_seconds', 'type': 'integer', 'required': true, 'pii': false, 'codes': none},
            {'name': 'agent_id', 'type': 'string', 'required': false, 'pii': false, 'codes': none},
            {'name': 'talk_seconds', 'type': 'integer', 'required': true, 'pii': false, 'codes': none},
            {'name': 'hold_seconds', 'type': 'integer', 'required': true, 'pii': false, 'codes': none},
            {'name': 'acw_seconds', 'type': 'integer', 'required': true, 'pii': false, 'codes': none},
            {'name': 'outcome', 'type': 'string', 'required': true, 'pii': false, 'codes': ['answered', 'abandoned', 'ivr_self_served', 'no_answer', 'voicemail', 'failed']},
            {'name': 'transferred', 'type': 'boolean', 'required': false, 'pii': false, 'codes': none}
        ]
    },
    'tickets': {
        'key': ['ticket_id'],
        'columns': [
            {'name': 'ticket_id', 'type': 'string', 'required': true, 'pii': false, 'codes': none},
            {'name': 'updated_at', 'type': 'timestamp', 'required': false, 'pii': false, 'codes': none},
            {'name': 'channel', 'type': 'string', 'required': true, 'pii': false, 'codes': ['email', 'web_form', 'social']},
            {'name': 'created_at', 'type': 'timestamp', 'required': true, 'pii': false, 'codes': none},
            {'name': 'customer_id', 'type': 'string', 'required': false, 'pii': false, 'codes': none},
            {'name': 'customer_email', 'type': 'string', 'required': false, 'pii': true, 'codes': none},
            {'name': 'contact_reason', 'type': 'string', 'required': false, 'pii': false, 'codes': none},
            {'name': 'agent_id', 'type': 'string', 'required': false, 'pii': false, 'codes': none},
            {'name': 'first_response_at', 'type': 'timestamp', 'required': false, 'pii': false, 'codes': none},
            {'name': 'solved_at', 'type': 'timestamp', 'required': false, 'pii': false, 'codes': none},
            {'name': 'status', 'type': 'string', 'required': true, 'pii': false, 'codes': ['new', 'open', 'pending', 'solved', 'closed']},
            {'name': 'reopen_count', 'type': 'integer', 'required': false, 'pii': false, 'codes': none},
            {'name': 'agent_replies', 'type': 'integer', 'required': false, 'pii': false, 'codes': none},
            {'name': 'handle_seconds', 'type': 'integer', 'required': false, 'pii': false, 'codes': none}
        ]
    },
    'chats': {
        'key': ['chat_id'],
        'columns': [
            {'name': 'chat_id', 'type': 'string', 'required': true, 'pii': false, 'codes': none},
            {'name': 'updated_at', 'type': 'timestamp', 'required': false, 'pii': false, 'codes': none},
            {'name': 'started_at', 'type': 'timestamp', 'required': true, 'pii': false, 'codes': none},
            {'name': 'ended_at', 'type': 'timestamp', 'required': false, 'pii': false, 'codes': none},
            {'name': 'customer_id', 'type': 'string', 'required': false, 'pii': false, 'codes': none},
            {'name': 'contact_reason', 'type': 'string', 'required': false, 'pii': false, 'codes': none},
            {'name': 'outcome', 'type': 'string', 'required': true, 'pii': false, 'codes': ['answered', 'abandoned', 'bot_resolved']},
            {'name': 'agent_id', 'type': 'string', 'required': false, 'pii': false, 'codes': none},
            {'name': 'wait_seconds', 'type': 'integer', 'required': false, 'pii': false, 'codes': none},
            {'name': 'handle_seconds', 'type': 'integer', 'required': false, 'pii': false, 'codes': none},
            {'name': 'concurrency', 'type': 'decimal', 'required': false, 'pii': false, 'codes': none}
        ]
    },
    'self_service_sessions': {
        'key': ['session_id'],
        'columns': [
            {'name': 'session_id', 'type': 'string', 'required': true, 'pii': false, 'codes': none},
            {'name': 'started_at', 'type': 'timestamp', 'required': true, 'pii': false, 'codes': none},
            {'name': 'customer_id', 'type': 'string', 'required': false, 'pii': false, 'codes': none},
            {'name': 'platform', 'type': 'string', 'required': true, 'pii': false, 'codes': none},
            {'name': 'contact_reason', 'type': 'string', 'required': false, 'pii': false, 'codes': none},
            {'name': 'completed', 'type': 'boolean', 'required': true, 'pii': false, 'codes': none}
        ]
    },
    'surveys': {
        'key': ['survey_id'],
        'columns': [
            {'name': 'survey_id', 'type': 'string', 'required': true, 'pii': false, 'codes': none},
            {'name': 'interaction_source', 'type': 'string', 'required': true, 'pii': false, 'codes': ['telephony_calls', 'tickets', 'chats', 'self_service_sessions']},
            {'name': 'interaction_id', 'type': 'string', 'required': true, 'pii': false, 'codes': none},
            {'name': 'responded_at', 'type': 'timestamp', 'required': true, 'pii': false, 'codes': none},
            {'name': 'csat', 'type': 'integer', 'required': false, 'pii': false, 'codes': none},
            {'name': 'nps', 'type': 'integer', 'required': false, 'pii': false, 'codes': none},
            {'name': 'ces', 'type': 'integer', 'required': false, 'pii': false, 'codes': none},
            {'name': 'resolved', 'type': 'boolean', 'required': false, 'pii': false, 'codes': none}
        ]
    },
    'customers': {
        'key': ['customer_id'],
        'columns': [
            {'name': 'customer_id', 'type': 'string', 'required': true, 'pii': false, 'codes': none},
            {'name': 'segment', 'type': 'string', 'required': true, 'pii': false, 'codes': ['large_enterprise', 'sme', 'individual']},
            {'name': 'country', 'type': 'string', 'required': false, 'pii': false, 'codes': none},
            {'name': 'geography', 'type': 'string', 'required': false, 'pii': false, 'codes': ['local', 'national', 'international']},
            {'name': 'customer_since', 'type': 'date', 'required': false, 'pii': false, 'codes': none},
            {'name': 'customer_name', 'type': 'string', 'required': false, 'pii': true, 'codes': none},
            {'name': 'email', 'type': 'string', 'required': false, 'pii': true, 'codes': none},
            {'name': 'phone', 'type': 'string', 'required': false, 'pii': true, 'codes': none}
        ]
    },
    'agents': {
        'key': ['agent_id'],
        'columns': [
            {'name': 'agent_id', 'type': 'string', 'required': true, 'pii': false, 'codes': none},
            {'name': 'agent_name', 'type': 'string', 'required': false, 'pii': true, 'codes': none},
            {'name': 'team', 'type': 'string', 'required': true, 'pii': false, 'codes': none},
            {'name': 'site', 'type': 'string', 'required': false, 'pii': false, 'codes': none},
            {'name': 'cost_center', 'type': 'string', 'required': true, 'pii': false, 'codes': none},
            {'name': 'employment_type', 'type': 'string', 'required': true, 'pii': false, 'codes': ['employee', 'contractor', 'outsourced']},
            {'name': 'fte', 'type': 'decimal', 'required': true, 'pii': false, 'codes': none},
            {'name': 'hired_on', 'type': 'date', 'required': false, 'pii': false, 'codes': none},
            {'name': 'left_on', 'type': 'date', 'required': false, 'pii': false, 'codes': none}
        ]
    },
    'agent_activity': {
        'key': ['agent_id', 'activity_date', 'state'],
        'columns': [
            {'name': 'agent_id', 'type': 'string', 'required': true, 'pii': false, 'codes': none},
            {'name': 'activity_date', 'type': 'date', 'required': true, 'pii': false, 'codes': none},
            {'name': 'state', 'type': 'string', 'required': true, 'pii': false, 'codes': ['on_contact', 'after_contact_work', 'available', 'break', 'training', 'meeting', 'coaching', 'absence']},
            {'name': 'seconds', 'type': 'integer', 'required': true, 'pii': false, 'codes': none}
        ]
    },
    'gl_journal_lines': {
        'key': ['journal_id', 'line_number'],
        'columns': [
            {'name': 'journal_id', 'type': 'string', 'required': true, 'pii': false, 'codes': none},
            {'name': 'line_number', 'type': 'integer', 'required': true, 'pii': false, 'codes': none},
            {'name': 'posting_date', 'type': 'date', 'required': true, 'pii': false, 'codes': none},
            {'name': 'account_code', 'type': 'string', 'required': true, 'pii': false, 'codes': none},
            {'name': 'account_name', 'type': 'string', 'required': false, 'pii': false, 'codes': none},
            {'name': 'cost_center', 'type': 'string', 'required': true, 'pii': false, 'codes': none},
            {'name': 'amount', 'type': 'decimal', 'required': true, 'pii': false, 'codes': none},
            {'name': 'currency', 'type': 'string', 'required': true, 'pii': false, 'codes': none},
            {'name': 'description', 'type': 'string', 'required': false, 'pii': false, 'codes': none}
        ]
    }
}) }}
{% endmacro %}
