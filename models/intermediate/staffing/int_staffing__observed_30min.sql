{#-
    Staffing actually logged, per 30-minute interval x queued channel x agent team
    (docs/decisions/staffing.md ST3). The workforce export has each agent's states per DAY
    only, so the interval is estimated: an agent's ready time of the day (on contact + after
    contact work + available) is split over the queued channels by the agent's handle time
    on each (time on other work, e.g. cases and outbound calls, is not queue staffing), then
    spread evenly over the half-hours from the agent's first to last contact of the channel
    that day, or over more half-hours from the first one when the ready time does not fit in
    them (an agent is at most one position), never past midnight.
-#}
{{ incremental_by_month('interval_month') }}
with

agent_days as (

    select
        agent_id,
        activity_date,
        cast(occupancy_denominator_seconds as {{ type_double() }}) as ready_seconds,
        productive_handle_seconds as day_workload_seconds
    from {{ ref('fct_agent_daily') }}
    where has_wfm_activity
        and occupancy_denominator_seconds > 0
        and productive_handle_seconds > 0
    {{ incremental_months_filter(month_of('activity_date'), 'and') }}

),

agent_channel_days as (

    select
        agent_id,
        interval_date as activity_date,
        channel,
        cost_pool,
        sum(workload_seconds) as workload_seconds,
        min(interval_start_local) as first_interval,
        max(interval_start_local) as last_interval
    from {{ ref('int_staffing__contacts') }}
    where is_handled
        and is_queued
        and channel in {{ kpi_channel_list('queued') }}
        and agent_id is not null
    {{ incremental_months_filter('interval_month', 'and') }}
    group by agent_id, interval_date, channel, cost_pool

),

spans as (

    select
        agent_channel_days.agent_id,
        agent_channel_days.channel,
        agent_channel_days.cost_pool,
        agent_channel_days.first_interval,
        agent_days.ready_seconds * agent_channel_days.workload_seconds / agent_days.day_workload_seconds
            as ready_seconds,
        cast(                                                            {{ dbt.datediff('agent_channel_days.first_interval', 'agent_channel_days.last_interval', 'minute') }} / 30 + 1
            as {{ dbt.type_int() }}
        ) as span_intervals,
        cast({{ dbt.datediff('agent_channel_days.first_interval',
                             dbt.dateadd('day', 1, 'cast(agent_channel_days.activity_date as ' ~ dbt.type_timestamp() ~ ')'),
                             'minute') }} / 30 as {{ dbt.type_int() }}) as intervals_to_midnight
    from agent_channel_days
    inner join agent_days
        on agent_channel_days.agent_id = agent_days.agent_id
            and agent_channel_days.activity_date = agent_days.activity_date

),

sized as (

    select
        spans.*,
        least(
            greatest(
                spans.span_intervals,
                cast(ceil(spans.ready_seconds / {{ staffing_interval_seconds() }}) as {{ dbt.type_int() }})
            ),
            spans.intervals_to_midnight
        ) as spread_intervals
    from spans

),

spread as (

    select
        {{ dbt.dateadd('minute', '30 * offsets.day_offset', 'sized.first_interval') }} as interval_start_local,
        sized.channel,
        sized.cost_pool,
        sized.agent_id,
        sized.ready_seconds / sized.spread_intervals / {{ staffing_interval_seconds() }} as agents
    from sized
    cross join ({{ numbers_table(2) }}) as offsets
    where offsets.day_offset < sized.spread_intervals

),

final as (

    select
        interval_start_local,
        cast(interval_start_local as date) as interval_date,
        {{ month_of('interval_start_local') }} as interval_month,
        channel,
        cost_pool,
        count(distinct agent_id) as logged_agents,
        sum(agents) as observed_agents
    from spread
    group by interval_start_local, channel, cost_pool

)

select * from final
