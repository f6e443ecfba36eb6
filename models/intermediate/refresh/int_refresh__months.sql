{#-
    The business-local months an incremental build rebuilds (docs/decisions/performance.md P3, P4):
    every month the batch (the landing files loaded since the last successful build) can change.
    Computed from the base models, which keep every version of every record, so the month a
    superseded version lived in is found as well as the month of the new one.

      interactions   the day of every version of each call, case, chat or session the batch
                     delivers a version of, widened by repeat_window_days both ways (a repeat
                     link reaches that far back and forward), as months
      ledger         the posting month of every version of each GL line in the batch
                     (month-level cost allocation is recomputed for the whole month)
      workforce      the month of each agent-activity row in the batch
      surveys        the month of the interaction each version of a delivered survey rates
      agents         an agent new in the batch, or whose team, cost center or FTE differs
                     between versions: the months of that agent's interactions
      customers      likewise for segment, geography and country
    A full refresh (`--full-refresh`) does not read this model: it is left empty then, and so
    on an adapter whose incremental models are tables (Spark, ccw_incremental_materialization).
-#}
{%- set window = kpi_repeat_window_days() | int -%}
{#- the interaction sources of the contract: base and staging model, key, the timestamp that dates them -#}
{%- set events = [] -%}
{%- set staged = [] -%}
{%- for source_name, contract in landing_contract().items() if contract['interaction_start'] -%}
{%- do events.append((contract['base_model'], contract['key'][0], contract['interaction_start'] ~ '_utc')) -%}
{%- do staged.append((source_name, contract['staging_model'], contract['key'][0], contract['interaction_start'] ~ '_local')) -%}
{%- endfor %}

{#- the dependencies hold whatever the branch below renders (a full refresh renders no ref) -#}
{%- do source('ccw_state', 'landing_files') -%}
{%- do source('ccw_state', 'build_state') -%}
{%- for contract in landing_contract().values() -%}
{%- do ref(contract['base_model']) -%}
{%- endfor -%}
{%- for source_name, model, key, started in staged -%}
{%- do ref(model) -%}
{%- endfor %}
{%- if not ccw_builds_incrementally() %}

select cast(null as date) as refresh_month
where 1 = 0

{%- else %}

with

batch_files as (

    {{ batch_files() }}

),

{% for model, key, started in events %}
{{ model }}_days as (

    select distinct cast({{ utc_to_business_time('versions.' ~ started) }} as date) as changed_date
    from {{ ref(model) }} as versions
    where versions.{{ started }} is not null
        and versions.{{ key }} in (
            select delivered.{{ key }}
            from {{ ref(model) }} as delivered
            where delivered._file_name in (select file_name from batch_files)
        )

),

{% endfor %}
changed_days as (

    {% for model, key, started in events -%}
    select changed_date from {{ model }}_days
    {% if not loop.last %}union all
    {% endif %}
    {%- endfor %}

),

interaction_months as (

    {% for offset in [-window, 0, window] -%}
    select cast({{ dbt.date_trunc('month', dbt.dateadd('day', offset, 'changed_date')) }} as date) as refresh_month
    from changed_days
    {% if not loop.last %}union all
    {% endif %}
    {%- endfor %}

),

ledger_months as (

    select cast({{ dbt.date_trunc('month', 'versions.posting_date') }} as date) as refresh_month
    from {{ ref('base_erp__gl_journal_lines') }} as versions
    where versions.posting_date is not null
        and (versions.journal_id, versions.line_number) in (
            select
                delivered.journal_id,
                delivered.line_number
            from {{ ref('base_erp__gl_journal_lines') }} as delivered
            where delivered._file_name in (select file_name from batch_files)
        )

),

workforce_months as (

    select cast({{ dbt.date_trunc('month', 'activity_date') }} as date) as refresh_month
    from {{ ref('base_wfm__agent_activity') }}
    where activity_date is not null
        and _file_name in (select file_name from batch_files)

),

staged_interactions as (

    {% for source_name, model, key, started in staged -%}
    select
        '{{ source_name }}' as source,
        {{ key }} as source_interaction_id,
        {{ started }},
        {{ 'agent_id' if model != 'stg_self_service__sessions' else 'cast(null as ' ~ dbt.type_string() ~ ')' }}
            as agent_id,
        customer_id
    from {{ ref(model) }}
    {% if not loop.last %}union all
    {% endif %}
    {%- endfor %}

),

survey_months as (

    select cast({{ dbt.date_trunc('month', 'staged_interactions.started_at_local') }} as date) as refresh_month
    from {{ ref('base_surveys__responses') }} as versions
    inner join staged_interactions
        on versions.interaction_source = staged_interactions.source
            and versions.interaction_id = staged_interactions.source_interaction_id
    where versions.survey_id in (
            select delivered.survey_id
            from {{ ref('base_surveys__responses') }} as delivered
            where delivered._file_name in (select file_name from batch_files)
        )

),

{% for name, model, key, attributes in [
    ('agents', 'base_hr__agents', 'agent_id', ['team', 'cost_center', 'fte']),
    ('customers', 'base_crm__customers', 'customer_id', ['segment', 'geography', 'country']),
] %}
{{ name }}_versions as (

    select
        versions.{{ key }},
        batch_files.file_name is null as is_earlier,
        {{ ccw_attribute_fingerprint(attributes, 'versions') }} as attribute_fingerprint
    from {{ ref(model) }} as versions
    left join batch_files
        on versions._file_name = batch_files.file_name
    where versions._rejection_rule is null
        and versions.{{ key }} in (
            select delivered.{{ key }}
            from {{ ref(model) }} as delivered
            where delivered._file_name in (select file_name from batch_files)
        )

),

{{ name }}_changed as (

    -- new in the batch, or not every kept version says the same
    select {{ key }}
    from {{ name }}_versions
    group by {{ key }}
    having max(case when is_earlier then 1 else 0 end) = 0
        or min(attribute_fingerprint) <> max(attribute_fingerprint)

),

{{ name }}_months as (

    select cast({{ dbt.date_trunc('month', 'started_at_local') }} as date) as refresh_month
    from staged_interactions
    where {{ key }} in (select {{ key }} from {{ name }}_changed)

),

{% endfor %}
months as (

    select refresh_month from interaction_months
    union all
    select refresh_month from ledger_months
    union all
    select refresh_month from workforce_months
    union all
    select refresh_month from survey_months
    union all
    select refresh_month from agents_months
    union all
    select refresh_month from customers_months

)

select distinct refresh_month
from months
where refresh_month is not null

{%- endif %}
