{#-
    Macros of the contact-center KPI marts (models/intermediate/kpis, models/marts/kpis;
    docs/decisions/kpis.md). Portable SQL only: dbt cross-database macros, no
    engine-specific syntax; anything engine-specific is dispatched.

    Vars read here (defaults in brackets; set in dbt_project.yml):
      service_level_seconds_call [20]  T of the service level of inbound calls
      service_level_seconds_chat [60]  T of the service level of agent chats
      short_abandon_seconds      [5]   an abandon with wait <= this is a short abandon
      repeat_window_days         [7]   N of the repeat-contact / operational FCR window
-#}

{#-
    safe_divide(num, den, scale=none): num / den as a double, null when den is 0 or null
    (a ratio whose denominator is zero is unknown, not zero). Full double precision by
    default (the marts keep KPIs unrounded, so an independent computation matches to
    ~1e-15); pass scale to round for display.
-#}
{% macro safe_divide(num, den, scale=none) -%}
    {%- if scale is none -%}
    (cast({{ num }} as {{ type_double() }}) / cast(nullif({{ den }}, 0) as {{ type_double() }}))
    {%- else -%}
    round(cast({{ num }} as {{ type_double() }}) / cast(nullif({{ den }}, 0) as {{ type_double() }}), {{ scale }})
    {%- endif -%}
{%- endmacro %}

{#- 1 when the condition holds, else 0: sum it to count (no `filter (where ...)`, no boolean sum). -#}
{% macro kpi_count_if(condition) -%}
    cast(sum(case when {{ condition }} then 1 else 0 end) as bigint)
{%- endmacro %}

{#- Sum of `expr` over the rows where the condition holds (0 when none); cast_to='bigint' for whole seconds. -#}
{% macro kpi_sum_if(condition, expr, cast_to=none) -%}
    {%- if cast_to -%}
    cast(sum(case when {{ condition }} then {{ expr }} else 0 end) as {{ cast_to }})
    {%- else -%}
    sum(case when {{ condition }} then {{ expr }} else 0 end)
    {%- endif -%}
{%- endmacro %}

{#- Sum of a whole-number column as bigint (DuckDB sums integers to a 128-bit HUGEINT). -#}
{% macro kpi_sum_int(expr) -%}
    cast(sum({{ expr }}) as bigint)
{%- endmacro %}

{#- The KPI vars: settings declared in orchestration/config.py (defaults there). -#}
{% macro kpi_sl_seconds_call() -%}{{ var('service_level_seconds_call') }}{%- endmacro %}
{% macro kpi_sl_seconds_chat() -%}{{ var('service_level_seconds_chat') }}{%- endmacro %}
{% macro kpi_short_abandon_seconds() -%}{{ var('short_abandon_seconds') }}{%- endmacro %}
{% macro kpi_repeat_window_days() -%}{{ var('repeat_window_days') }}{%- endmacro %}

{#-
    Channel groups: which KPI applies to which channel (docs/DOMAIN.md taxonomy).
    A KPI outside its group is null on the channel's row, not zero.
-#}
{% macro kpi_channel_list(group) -%}
    {%- set groups = {
        'queued': ['inbound_call', 'chat'],
        'assisted': ['inbound_call', 'outbound_call', 'email', 'web_form', 'social', 'chat'],
        'calls': ['inbound_call', 'outbound_call'],
        'contained': ['ivr', 'chatbot', 'self_service'],
        'cases': ['email', 'web_form', 'social'],
        'customer_initiated': ['inbound_call', 'ivr', 'email', 'web_form', 'social', 'chat', 'chatbot', 'self_service'],
    } -%}
    {%- set quoted = [] -%}
    {%- for channel in groups[group] -%}
        {%- do quoted.append("'" ~ channel ~ "'") -%}
    {%- endfor -%}
    ({{ quoted | join(', ') }})
{%- endmacro %}

{#- `expr` on channels of `group`, null elsewhere. -#}
{% macro kpi_for_channels(group, channel_col, expr) -%}
    case when {{ channel_col }} in {{ kpi_channel_list(group) }} then {{ expr }} end
{%- endmacro %}

{#- Service-level threshold T (seconds) of a channel: calls 20, chat 60 by default; null elsewhere. -#}
{% macro kpi_sl_threshold(channel_col) -%}
    case {{ channel_col }}
        when 'inbound_call' then {{ kpi_sl_seconds_call() }}
        when 'chat' then {{ kpi_sl_seconds_chat() }}
    end
{%- endmacro %}

{#-
    The additive queue components of a group of contacts (the rows of a GROUP BY over
    fct_interactions-like rows with columns channel, outcome, wait_seconds). Emits a
    select-list fragment (no trailing comma). Definitions (docs/decisions/kpis.md K3, K12):
      answered         outcome = 'answered'
      abandoned        outcome = 'abandoned'
      abandoned_known_wait_count  abandoned with a known wait (coverage of the short-abandon split)
      short_abandoned  abandoned and wait <= short_abandon_seconds (unknown wait: neither short nor long)
      asa_*            answered with a known wait: sum of wait, count
      sl_*             answered with wait <= T (numerator); denominator = answered with a known
                     wait + abandoned with wait > T (abandons within T and unknown waits: neither)
      sl_unknown_wait_count  answered or abandoned with an unknown wait: outside the service level
    Computed on every row; the caller nulls them outside the queued channels.
-#}
{% macro kpi_queue_components(channel_col='channel', outcome_col='outcome', wait_col='wait_seconds') -%}
    {%- set t = kpi_sl_threshold(channel_col) -%}
    {{ kpi_count_if(outcome_col ~ " = 'answered'") }} as answered,
    {{ kpi_count_if(outcome_col ~ " = 'abandoned'") }} as abandoned,
    {{ kpi_count_if(outcome_col ~ " = 'abandoned' and " ~ wait_col ~ " is not null") }} as abandoned_known_wait_count,
    {{ kpi_count_if(outcome_col ~ " = 'abandoned' and " ~ wait_col ~ " <= " ~ kpi_short_abandon_seconds()) }} as short_abandoned,
    {{ kpi_sum_if(outcome_col ~ " = 'answered' and " ~ wait_col ~ " is not null", wait_col, 'bigint') }} as asa_wait_seconds_sum,
    {{ kpi_count_if(outcome_col ~ " = 'answered' and " ~ wait_col ~ " is not null") }} as asa_answered_count,
    {{ kpi_count_if(outcome_col ~ " = 'answered' and " ~ wait_col ~ " <= " ~ t) }} as sl_answered_within_threshold,
    {{ kpi_count_if(outcome_col ~ " = 'abandoned' and " ~ wait_col ~ " > " ~ t) }} as sl_abandoned_after_threshold,
    {{ kpi_count_if(outcome_col ~ " = 'answered' and " ~ wait_col ~ " is not null") }}
        + {{ kpi_count_if(outcome_col ~ " = 'abandoned' and " ~ wait_col ~ " > " ~ t) }} as sl_denominator,
    {{ kpi_count_if(outcome_col ~ " in ('answered', 'abandoned') and " ~ wait_col ~ " is null") }} as sl_unknown_wait_count
{%- endmacro %}

{#- Start of the 30-minute interval (hh:00 or hh:30) of a naive local timestamp. -#}
{% macro kpi_half_hour_start(ts) -%}
    {{ dbt.dateadd('minute', 'case when extract(minute from ' ~ ts ~ ') >= 30 then 30 else 0 end', dbt.date_trunc('hour', ts)) }}
{%- endmacro %}

{#- Hours from `start_ts` to `end_ts` (second precision), as a double; null when either is null. -#}
{% macro kpi_hours_between(start_ts, end_ts) -%}
    (cast({{ dbt.datediff(start_ts, end_ts, 'second') }} as {{ type_double() }}) / 3600.0)
{%- endmacro %}

{#- Handle seconds of one contact for AHT: calls talk + hold + acw (DOMAIN.md), chats and cases their logged
    handle_seconds. Null when unknown (a call's when any of the three is): AHT leaves it out of both sides. -#}
{% macro kpi_aht_seconds_expr() -%}
    (case when channel in {{ kpi_channel_list('calls') }} then talk_seconds + hold_seconds + acw_seconds else handle_seconds end)
{%- endmacro %}

{#-
    Abandonment without short abandons, over the contacts whose wait is known (the input that
    tells a short abandon from a long one): (abandoned with known wait - short) / (answered
    with known wait + abandoned with known wait - short). An abandon with unknown wait is
    neither short nor long, and an answered contact with unknown wait is left out with it, so
    that both sides describe the same contacts (all waits unknown: null, not 0%).
    Select-list fragment from the components abandoned_known_wait_count, short_abandoned and
    asa_answered_count (answered with a known wait).
-#}
{% macro kpi_abandonment_excl_short_columns() -%}
    abandoned_known_wait_count - short_abandoned as abandonment_excl_short_numerator,
    asa_answered_count + abandoned_known_wait_count - short_abandoned as abandonment_excl_short_denominator,
    {{ safe_divide(
        'abandoned_known_wait_count - short_abandoned',
        'asa_answered_count + abandoned_known_wait_count - short_abandoned'
    ) }}
        as abandonment_excl_short_rate
{%- endmacro %}

{#- The additive components of the channel KPI marts, in output order (daily and monthly). -#}
{% macro kpi_channel_component_columns() -%}
    {{ return([
        'offered', 'handled', 'answered', 'abandoned', 'abandoned_known_wait_count', 'short_abandoned',
        'asa_wait_seconds_sum', 'asa_answered_count',
        'aht_handle_seconds_sum', 'aht_handled_count',
        'sl_answered_within_threshold', 'sl_abandoned_after_threshold', 'sl_denominator', 'sl_unknown_wait_count',
        'containment_contained', 'containment_denominator',
        'transferred', 'transfer_answered_count',
        'fcr_contacts', 'repeat_generating_contacts', 'repeat_contacts',
        'survey_fcr_resolved', 'survey_fcr_responses',
        'csat_satisfied', 'csat_responses',
        'nps_promoters', 'nps_detractors', 'nps_responses',
        'ces_score_sum', 'ces_easy', 'ces_responses',
    ]) }}
{%- endmacro %}

{#-
    Select-list of the channel KPI marts from a relation that has the additive
    components (kpi_channel_component_columns) and sl_threshold_seconds: the components
    themselves, then every KPI computed from them. A null component (KPI not applicable
    to the channel) gives a null KPI; a zero denominator gives a null KPI.
-#}
{% macro kpi_ratio_columns() -%}
    offered,
    handled,
    answered,
    abandoned,
    abandoned_known_wait_count,
    short_abandoned,
    asa_wait_seconds_sum,
    asa_answered_count,
    {{ safe_divide('asa_wait_seconds_sum', 'asa_answered_count') }} as asa_seconds,
    aht_handle_seconds_sum,
    aht_handled_count,
    {{ safe_divide('aht_handle_seconds_sum', 'aht_handled_count') }} as aht_seconds,
    answered + abandoned as abandonment_denominator,
    {{ safe_divide('abandoned', 'answered + abandoned') }} as abandonment_rate,
    {{ kpi_abandonment_excl_short_columns() }},
    sl_threshold_seconds,
    sl_answered_within_threshold,
    sl_abandoned_after_threshold,
    sl_denominator,
    sl_unknown_wait_count,
    {{ safe_divide('sl_answered_within_threshold', 'sl_denominator') }} as service_level_rate,
    containment_contained,
    containment_denominator,
    {{ safe_divide('containment_contained', 'containment_denominator') }} as containment_rate,
    transferred,
    transfer_answered_count,
    {{ safe_divide('transferred', 'transfer_answered_count') }} as transfer_rate,
    fcr_contacts,
    repeat_generating_contacts,
    repeat_contacts,
    {{ safe_divide('repeat_contacts', 'fcr_contacts') }} as repeat_rate,
    {{ safe_divide('fcr_contacts - repeat_generating_contacts', 'fcr_contacts') }} as fcr_rate,
    survey_fcr_resolved,
    survey_fcr_responses,
    {{ safe_divide('survey_fcr_resolved', 'survey_fcr_responses') }} as survey_fcr_rate,
    csat_satisfied,
    csat_responses,
    {{ safe_divide('csat_satisfied', 'csat_responses') }} as csat_rate,
    nps_promoters,
    nps_detractors,
    nps_responses,
    {{ safe_divide('100 * (nps_promoters - nps_detractors)', 'nps_responses') }} as nps_points,
    ces_score_sum,
    ces_easy,
    ces_responses,
    {{ safe_divide('ces_score_sum', 'ces_responses') }} as ces_score,
    {{ safe_divide('ces_easy', 'ces_responses') }} as ces_easy_rate
{%- endmacro %}
