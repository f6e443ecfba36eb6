{#-
    One row per agent x business-local day with WFM activity (stg_wfm__agent_activity)
    or handled contacts or rated contacts: contacts handled by channel, handle time,
    WFM state seconds, occupancy, shrinkage, contacts per productive hour and CSAT, with
    the components of every ratio (docs/decisions/kpis.md K9).
-#}
{{ incremental_by_month(month_of('activity_date')) }}
{%- set states = ['on_contact', 'after_contact_work', 'available', 'break', 'training', 'meeting', 'coaching', 'absence'] -%}
{%- set assisted = ['inbound_call', 'outbound_call', 'email', 'web_form', 'social', 'chat'] -%}
with

activity as (

    select * from {{ ref('stg_wfm__agent_activity') }}
    {{ incremental_months_filter(month_of('activity_date')) }}

),

interactions as (

    select * from {{ ref('fct_interactions') }}
    where agent_id is not null
    {{ incremental_months_filter('interaction_month', 'and') }}

),

surveys as (

    select * from {{ ref('int_kpis__survey_responses') }}
    where is_matched
        and agent_id is not null
    {{ incremental_months_filter(month_of('interaction_date'), 'and') }}

),

activity_days as (

    select
        agent_id,
        activity_date,
        {%- for state in states %}
        {{ kpi_sum_if("state = '" ~ state ~ "'", 'seconds', 'bigint') }} as {{ state }}_seconds,
        {%- endfor %}
        {{ kpi_sum_int('seconds') }} as paid_seconds
    from activity
    group by agent_id, activity_date

),

contact_days as (

    select
        agent_id,
        interaction_date as activity_date,
        {{ kpi_count_if('is_handled') }} as handled_contacts,
        {%- for channel in assisted %}
        {{ kpi_count_if("is_handled and channel = '" ~ channel ~ "'") }} as handled_{{ channel }},
        {%- endfor %}
        {{ kpi_sum_if('is_handled', 'coalesce(handle_seconds, 0)', 'bigint') }} as handle_seconds,
        {{ kpi_sum_if('is_handled', 'coalesce(productive_handle_seconds, 0)') }} as productive_handle_seconds,
        -- cost allocation: labour and total cost allocated to every interaction of the agent that day
        {{ cost_money('sum(labour_cost_amount)', 6) }} as allocated_labour_cost_amount,
        {{ cost_money('sum(total_cost_amount)', 6) }} as allocated_total_cost_amount
    from interactions
    group by agent_id, interaction_date

),

survey_days as (

    select
        agent_id,
        interaction_date as activity_date,
        {{ kpi_sum_int('csat_satisfied') }} as csat_satisfied,
        {{ kpi_sum_int('csat_response') }} as csat_responses
    from surveys
    group by agent_id, interaction_date

),

keys as (

    select
        agent_id,
        activity_date
    from activity_days
    union
    select
        agent_id,
        activity_date
    from contact_days
    union
    select
        agent_id,
        activity_date
    from survey_days

),

joined as (

    select
        keys.agent_id,
        keys.activity_date,
        coalesce(contact_days.handled_contacts, 0) as handled_contacts,
        {%- for channel in assisted %}
        coalesce(contact_days.handled_{{ channel }}, 0) as handled_{{ channel }},
        {%- endfor %}
        coalesce(contact_days.handle_seconds, 0) as handle_seconds,
        coalesce(contact_days.productive_handle_seconds, 0) as productive_handle_seconds,
        contact_days.allocated_labour_cost_amount,
        contact_days.allocated_total_cost_amount,
        '{{ var("reporting_currency") }}' as currency,
        activity_days.agent_id is not null as has_wfm_activity,
        {%- for state in states %}
        coalesce(activity_days.{{ state }}_seconds, 0) as {{ state }}_seconds,
        {%- endfor %}
        coalesce(activity_days.paid_seconds, 0) as paid_seconds,
        coalesce(survey_days.csat_satisfied, 0) as csat_satisfied,
        coalesce(survey_days.csat_responses, 0) as csat_responses
    from keys
    left join activity_days
        on keys.agent_id = activity_days.agent_id
            and keys.activity_date = activity_days.activity_date
    left join contact_days
        on keys.agent_id = contact_days.agent_id
            and keys.activity_date = contact_days.activity_date
    left join survey_days
        on keys.agent_id = survey_days.agent_id
            and keys.activity_date = survey_days.activity_date

),

final as (

    select
        joined.*,
        joined.on_contact_seconds + joined.after_contact_work_seconds as occupancy_numerator_seconds,
        joined.on_contact_seconds
        + joined.after_contact_work_seconds
        + joined.available_seconds as occupancy_denominator_seconds,
        {{ safe_divide('on_contact_seconds + after_contact_work_seconds', 'on_contact_seconds + after_contact_work_seconds + available_seconds') }}
            as occupancy_rate,
        joined.break_seconds
        + joined.training_seconds
        + joined.meeting_seconds
        + joined.coaching_seconds
        + joined.absence_seconds as shrinkage_seconds,
        {{ safe_divide('break_seconds + training_seconds + meeting_seconds + coaching_seconds + absence_seconds', 'paid_seconds') }}
            as shrinkage_rate,
        cast(joined.on_contact_seconds + joined.after_contact_work_seconds as {{ type_double() }})
        / 3600.0 as productive_hours,
        {{ safe_divide('handled_contacts * 3600', 'on_contact_seconds + after_contact_work_seconds') }}
            as contacts_per_productive_hour,
        {{ safe_divide('csat_satisfied', 'csat_responses') }} as csat_rate
    from joined

)

select * from final
