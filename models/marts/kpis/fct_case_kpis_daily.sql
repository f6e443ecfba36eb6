{#-
    Case KPIs per business-local day x case channel (email, web_form, social; inbound_call
    and chat for tickets opened from a call or a chat): cases created, first response and
    resolution time in hours and reopen rate of the cases CREATED that day (cohort), cases
    solved that day, and the backlog of unsolved cases at the end of the day. Deleted and
    merged tickets are no cases of their own: outside every KPI, counted apart on their
    creation day (deleted_cases, merged_cases). Every day from the first case date to the
    last created or solved date x every case channel that has cases.
-#}
with

all_tickets as (

    select * from {{ ref('fct_cases') }}

),

cases as (

    select * from all_tickets
    where not is_deleted_or_merged

),

removed as (

    select
        created_date as kpi_date,
        channel,
        {{ kpi_count_if("status = 'deleted'") }} as deleted_cases,
        {{ kpi_count_if("status = 'merged'") }} as merged_cases
    from all_tickets
    where is_deleted_or_merged
    group by created_date, channel

),

bounds as (

    select
        min(created_date) as start_date,
        case
            when max(solved_date) > max(created_date) then max(solved_date)
            else max(created_date)
        end as end_date
    from all_tickets

),

days as (

    {{ date_spine('bounds') }}

),

channels as (

    select distinct channel from all_tickets

),

grid as (

    select
        days.date_day as kpi_date,
        channels.channel
    from days
    cross join channels

),

created as (

    select
        created_date as kpi_date,
        channel,
        cast(count(*) as bigint) as cases_created,
        {{ kpi_count_if('first_response_hours is not null') }} as first_response_count,
        {{ kpi_sum_if('first_response_hours is not null', 'first_response_hours') }} as first_response_hours_sum,
        {{ kpi_count_if('resolution_hours is not null') }} as resolved_count,
        {{ kpi_sum_if('resolution_hours is not null', 'resolution_hours') }} as resolution_hours_sum,
        {{ kpi_count_if('is_reopened') }} as reopened_cases,
        {{ kpi_count_if('was_ever_solved') }} as reopen_denominator
    from cases
    group by created_date, channel

),

solved as (

    select
        solved_date as kpi_date,
        channel,
        cast(count(*) as bigint) as cases_solved
    from cases
    where solved_date is not null
    group by solved_date, channel

),

daily as (

    select
        grid.kpi_date,
        grid.channel,
        coalesce(created.cases_created, 0) as cases_created,
        coalesce(solved.cases_solved, 0) as cases_solved,
        coalesce(created.first_response_count, 0) as first_response_count,
        coalesce(created.first_response_hours_sum, 0) as first_response_hours_sum,
        coalesce(created.resolved_count, 0) as resolved_count,
        coalesce(created.resolution_hours_sum, 0) as resolution_hours_sum,
        coalesce(created.reopened_cases, 0) as reopened_cases,
        coalesce(created.reopen_denominator, 0) as reopen_denominator,
        coalesce(removed.deleted_cases, 0) as deleted_cases,
        coalesce(removed.merged_cases, 0) as merged_cases
    from grid
    left join created
        on grid.kpi_date = created.kpi_date
            and grid.channel = created.channel
    left join solved
        on grid.kpi_date = solved.kpi_date
            and grid.channel = solved.channel
    left join removed
        on grid.kpi_date = removed.kpi_date
            and grid.channel = removed.channel

),

final as (

    select
        kpi_date,
        channel,
        cases_created,
        cases_solved,
        -- created on or before the day, minus those solved (status solved/closed) by its end
        cast(
            sum(cases_created)
                over (partition by channel order by kpi_date rows between unbounded preceding and current row)
            - sum(cases_solved)
                over (partition by channel order by kpi_date rows between unbounded preceding and current row)
            as bigint
        )
            as backlog_unsolved,
        first_response_count,
        first_response_hours_sum,
        {{ safe_divide('first_response_hours_sum', 'first_response_count') }} as avg_first_response_hours,
        resolved_count,
        resolution_hours_sum,
        {{ safe_divide('resolution_hours_sum', 'resolved_count') }} as avg_resolution_hours,
        reopened_cases,
        reopen_denominator,
        {{ safe_divide('reopened_cases', 'reopen_denominator') }} as reopen_rate,
        deleted_cases,
        merged_cases
    from daily

)

select * from final
