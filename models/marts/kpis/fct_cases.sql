{#-
    One row per case (every ticket: email, web_form, social, and tickets opened from a call or
    a chat; deleted and merged ones too, with their status) with its service times in hours
    and reopen facts; the basis of fct_case_kpis_daily (docs/decisions/kpis.md K7, K13). Read
    from int_interactions__unioned, not fct_interactions, which keeps customer contacts only.
-#}
{{ incremental_by_month(month_of('created_date')) }}
with

tickets as (

    select * from {{ ref('int_interactions__unioned') }}
    where source = 'tickets'
    {{ incremental_months_filter('interaction_month', 'and') }}

),

agents as (

    select
        agent_id,
        team
    from {{ ref('stg_hr__agents') }}

),

cases as (

    select
        tickets.*,
        agents.team
    from tickets
    left join agents
        on tickets.agent_id = agents.agent_id

),

final as (

    select
        interaction_id,
        source_interaction_id as ticket_id,
        channel,
        customer_id,
        agent_id,
        team,
        coalesce(contact_reason, 'unknown') as contact_reason,
        outcome as status,
        -- deleted / merged: no request of its own, outside the case KPIs
        outcome in ('deleted', 'merged') as is_deleted_or_merged,
        -- opened from a call or a chat: follow-up work on a contact counted in that channel
        channel in ('inbound_call', 'chat') as is_follow_up,
        is_customer_contact,
        started_at_utc as created_at_utc,
        started_at_local as created_at_local,
        interaction_date as created_date,
        first_response_at_utc,
        solved_at_utc,
        -- solved only when the status says so: a reopened case that is open again is unsolved
        case when is_solved then cast({{ utc_to_business_time('solved_at_utc') }} as date) end as solved_date,
        is_handled,
        is_solved,
        case
            when first_response_at_utc is not null
                then {{ kpi_hours_between('started_at_utc', 'first_response_at_utc') }}
        end as first_response_hours,
        case
            when is_solved and solved_at_utc is not null
                then {{ kpi_hours_between('started_at_utc', 'solved_at_utc') }}
        end as resolution_hours,
        reopen_count,
        coalesce(reopen_count, 0) > 0 as is_reopened,
        -- solved at least once: solved now, or reopened after a solve, or carrying a solve time
        (is_solved or coalesce(reopen_count, 0) > 0 or solved_at_utc is not null) as was_ever_solved,
        handle_seconds
    from cases

)

select * from final
