{#-
    Agents required and agents logged, per 30-minute interval x queued channel x agent team
    (docs/decisions/staffing.md): Erlang C from the offered contacts and AHT, the service-level
    target of the channel, shrinkage and the team's cost per paid hour; beside it the staffing
    logged (int_staffing__observed_30min) and the gap in agents and money.
-#}
{{ incremental_by_month('interval_month') }}
with

contacts as (

    select *
    from {{ ref('int_staffing__contacts') }}
    where is_queued
        and channel in {{ kpi_channel_list('queued') }}
    {{ incremental_months_filter('interval_month', 'and') }}

),

observed as (

    select * from {{ ref('int_staffing__observed_30min') }}
    {{ incremental_months_filter('interval_month') }}

),

team_months as (

    select * from {{ ref('int_staffing__team_months') }}

),

intervals as (

    select
        interval_start_local,
        interval_month,
        channel,
        cost_pool,
        sum(team_share) as offered,
        {{ kpi_count_if('is_handled') }} as handled,
        -- AHT from known (or channel-month estimated) handle times only: an unknown one is in neither side
        {{ kpi_count_if('is_handled and workload_seconds is not null') }} as aht_handled,
        coalesce(sum(workload_seconds), 0) as workload_seconds
    from contacts
    group by interval_start_local, interval_month, channel, cost_pool

),

-- AHT when an interval has no handled contact: the team's month on the channel, else the channel's month
team_month_aht as (

    select
        interval_month,
        channel,
        cost_pool,
        {{ safe_divide('sum(workload_seconds)', 'sum(aht_handled)') }} as aht_seconds
    from intervals
    group by interval_month, channel, cost_pool

),

channel_month_aht as (

    select
        interval_month,
        channel,
        {{ safe_divide('sum(workload_seconds)', 'sum(aht_handled)') }} as aht_seconds
    from intervals
    group by interval_month, channel

),

keys as (

    select
        interval_start_local,
        interval_month,
        channel,
        cost_pool
    from intervals
    union
    select
        interval_start_local,
        interval_month,
        channel,
        cost_pool
    from observed

),

traffic as (

    select
        keys.interval_start_local,
        keys.interval_month,
        keys.channel,
        keys.cost_pool,
        coalesce(intervals.offered, 0) as offered,
        coalesce(intervals.handled, 0) as handled,
        coalesce(intervals.workload_seconds, 0) as workload_seconds,
        case
            when coalesce(intervals.offered, 0) = 0 then null
            when intervals.aht_handled > 0 then 'interval'
            when team_month_aht.aht_seconds is not null then 'team_month'
            when channel_month_aht.aht_seconds is not null then 'channel_month'
        end as aht_basis,
        case when coalesce(intervals.offered, 0) > 0 then
                coalesce(
                    {{ safe_divide('intervals.workload_seconds', 'intervals.aht_handled') }},
                    team_month_aht.aht_seconds,
                    channel_month_aht.aht_seconds
                )
        end as aht_seconds,
        {{ kpi_sl_threshold('keys.channel') }} as sl_threshold_seconds,
        {{ staffing_sl_target('keys.channel') }} as sl_target,
        coalesce(observed.observed_agents, 0) as given_agents,
        coalesce(observed.logged_agents, 0) as logged_agents
    from keys
    left join intervals
        on keys.interval_start_local = intervals.interval_start_local
            and keys.channel = intervals.channel
            and keys.cost_pool = intervals.cost_pool
    left join observed
        on keys.interval_start_local = observed.interval_start_local
            and keys.channel = observed.channel
            and keys.cost_pool = observed.cost_pool
    left join team_month_aht
        on keys.interval_month = team_month_aht.interval_month
            and keys.channel = team_month_aht.channel
            and keys.cost_pool = team_month_aht.cost_pool
    left join channel_month_aht
        on keys.interval_month = channel_month_aht.interval_month
            and keys.channel = channel_month_aht.channel

),

loads as {{ materialized_cte() }} (

    select
        traffic.*,
        -- unknown AHT (no handled contact of the channel that month): unknown traffic, not zero
        case
            when traffic.offered = 0 then 0
            else traffic.offered * traffic.aht_seconds / {{ staffing_interval_seconds() }}
        end as traffic_erlangs
    from traffic

),

{{ erlang_c_staffing('erlang', 'loads', ['interval_start_local', 'channel', 'cost_pool']) }},

staffed as (

    select
        loads.*,
        case when loads.traffic_erlangs = 0 then 0 else erlang.required_agents end as required_agents,
        erlang.wait_probability,
        erlang.expected_service_level,
        erlang.expected_asa_seconds,
        erlang.given_service_level,
        team_months.team,
        team_months.shrinkage,
        team_months.cost_per_paid_hour,
        -- paid hours per agent position in an interval: half an hour grossed up for shrinkage
        {{ safe_divide(staffing_interval_seconds() ~ ' / 3600.0', '1 - team_months.shrinkage') }}
            as paid_hours_per_position
    from loads
    left join erlang
        on loads.interval_start_local = erlang.interval_start_local
            and loads.channel = erlang.channel
            and loads.cost_pool = erlang.cost_pool
    left join team_months
        on loads.interval_month = team_months.cost_month
            and loads.cost_pool = team_months.cost_pool

),

final as (

    select
        interval_start_local,
        cast(interval_start_local as date) as interval_date,
        interval_month,
        cast({{ staffing_iso_day_of_week('interval_start_local') }} as {{ dbt.type_int() }}) as interval_day_of_week,
        {{ dbt.concat([
            "lpad(cast(extract(hour from interval_start_local) as " ~ dbt.type_string() ~ "), 2, '0')",
            "':'",
            "lpad(cast(extract(minute from interval_start_local) as " ~ dbt.type_string() ~ "), 2, '0')",
        ]) }} as interval_time,
        channel,
        cost_pool,
        team,
        offered as offered_volume,
        handled as handled_contacts,
        workload_seconds,
        aht_seconds,
        aht_basis,
        traffic_erlangs,
        sl_threshold_seconds,
        sl_target as sl_target_rate,
        required_agents,
        wait_probability as expected_wait_rate,
        expected_service_level as expected_service_level_rate,
        expected_asa_seconds,
        {{ safe_divide('traffic_erlangs', 'required_agents') }} as expected_occupancy_rate,
        shrinkage as shrinkage_rate,
        {{ safe_divide('required_agents', '1 - shrinkage') }} as required_scheduled_agents,
        required_agents * paid_hours_per_position as required_paid_hours,
        -- money leaves the double arithmetic of Erlang C as decimals: per hour to 4 decimals, amounts to 6
        {{ cost_money('cost_per_paid_hour', 4) }} as cost_per_paid_hour_amount,
        {{ cost_money('required_agents * paid_hours_per_position * cost_per_paid_hour', 6) }}
            as required_labour_cost_amount,
        logged_agents,
        given_agents as observed_agents,
        given_agents * paid_hours_per_position as observed_paid_hours,
        {{ cost_money('given_agents * paid_hours_per_position * cost_per_paid_hour', 6) }}
            as observed_labour_cost_amount,
        given_service_level as observed_expected_service_level_rate,
        given_agents - required_agents as staffing_gap_agents,
        {{ cost_money('(given_agents - required_agents) * paid_hours_per_position * cost_per_paid_hour', 6) }}
            as staffing_gap_cost_amount,
        '{{ var("reporting_currency") }}' as currency,
        case
            when required_agents is null then null
            when given_agents < required_agents then 'under'
            when given_agents >= required_agents + 1 then 'over'
            else 'met'
        end as staffing_status
    from staffed

)

select * from final
