{#-
    Polymorphic relationship of a survey: (interaction_source, interaction_id)
    must name a row of the staging model of that source. Surveys can point at
    an interaction whose row was quarantined or not delivered yet, so use it
    with severity warn.
-#}
{% test interaction_exists(model, column_name, source_column) %}

{%- set targets = [
    ('telephony_calls', 'stg_telephony__calls', 'call_id'),
    ('tickets', 'stg_ticketing__tickets', 'ticket_id'),
    ('chats', 'stg_chat__chats', 'chat_id'),
    ('self_service_sessions', 'stg_self_service__sessions', 'session_id'),
] -%}

with interactions as (
{% for source_name, model_name, key in targets %}
    select '{{ source_name }}' as interaction_source, {{ key }} as interaction_id from {{ ref(model_name) }}
    {% if not loop.last %}union all{% endif %}
{%- endfor %}
)

select child.{{ source_column }}, child.{{ column_name }}
from {{ model }} as child
left join interactions
    on interactions.interaction_source = child.{{ source_column }}
    and interactions.interaction_id = child.{{ column_name }}
where child.{{ column_name }} is not null
  and interactions.interaction_id is null

{% endtest %}
