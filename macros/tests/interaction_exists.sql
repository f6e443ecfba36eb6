{#-
    Polymorphic relationship of a survey: (interaction_source, interaction_id)
    must name a row of the staging model of that source. Surveys can point at
    an interaction whose row was quarantined or not delivered yet, so use it
    with severity warn.
-#}
{% test interaction_exists(model, column_name, source_column) %}

{#- the interaction sources of the contract: (source, staging model, key) -#}
{%- set targets = [] -%}
{%- for source_name, contract in landing_contract().items() if contract['interaction_start'] -%}
    {%- do targets.append((source_name, contract['staging_model'], contract['key'][0])) -%}
{%- endfor -%}

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
