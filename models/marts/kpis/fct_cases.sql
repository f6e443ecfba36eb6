{#-
    One row per case (ticket: email, web_form, social) with its service times in hours
    and reopen facts; the basis of fct_case_kpis_daily (docs/decisions/kpis.md K7).
-#}
{{ incremental_by_month(month_of('created_date')) }}
with

cases as (

    select * from {{ ref('fct_interactions') }}
    where source = 'tickets'
    {{ incremental_months_filter('interaction_month', 'and') }}

),

final as (

    select
        interaction_id,
        source_interaction_id as ticket_id,
        channel,
        customer_id,
        agent_id,
        team,
        contact_reason,
        outcome as status,
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
