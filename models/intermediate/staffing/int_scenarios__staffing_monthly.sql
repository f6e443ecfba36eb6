{#-
    Each scenario re-staffed, per month x channel x agent team: the changes of
    int_scenarios__changes_30min summed, and what they do to the staffing
    (docs/decisions/staffing.md ST7). A queued interval the scenario changes is staffed
    again by Erlang C from its new traffic; the baseline is fct_staffing_30min. Two
    staffings of the scenario:
      marginal  the agents Erlang C requires for the new traffic (the service-level target holds)
      average   the baseline's agents scaled by the change of traffic, what pricing at an
                average cost per contact assumes; its service level is Erlang C's at those agents
    Work without a queue (cases, outbound calls) changes its paid hours in proportion to its
    workload at the team's occupancy and shrinkage, on both bases.
-#}
{{ incremental_by_month('staffing_month') }}
with

changes as (

    select * from {{ ref('int_scenarios__changes_30min') }}
    {{ incremental_months_filter('interval_month') }}

),

baseline as (

    select * from {{ ref('fct_staffing_30min') }}
    {{ incremental_months_filter('interval_month') }}

),

team_months as (

    select * from {{ ref('int_staffing__team_months') }}

),

queue_changes as (

    select
        changes.scenario_id,
        changes.interval_start_local,
        changes.interval_month,
        changes.channel,
        changes.cost_pool,
        baseline.expected_service_level_rate as base_service_level,
        baseline.aht_seconds as base_aht_seconds,
        coalesce(baseline.offered_volume, 0) as base_offered,
        coalesce(baseline.traffic_erlangs, 0) as base_traffic_erlangs,
        coalesce(baseline.required_agents, 0) as base_required_agents,
        greatest(coalesce(baseline.offered_volume, 0) + changes.offered_change, 0) as offered,
        greatest(coalesce(baseline.handled_contacts, 0) + changes.handled_change, 0) as handled,
        greatest(coalesce(baseline.workload_seconds, 0) + changes.workload_change_seconds, 0) as workload_seconds
    from changes
    left join baseline
        on changes.interval_start_local = baseline.interval_start_local
            and changes.channel = baseline.channel
            and changes.cost_pool = baseline.cost_pool
    where changes.channel in {{ kpi_channel_list('queued') }}

),

queue_loads as (

    select
        queue_changes.*,
        -- a moved contact keeps its handle time; an interval left without handled contacts keeps the baseline's AHT
        coalesce({{ safe_divide('workload_seconds', 'handled') }}, queue_changes.base_aht_seconds) as aht_seconds,
        {{ kpi_sl_threshold('channel') }} as sl_threshold_seconds,
        {{ staffing_sl_target('channel') }} as sl_target
    from queue_changes

),

loads as (

    select
        queue_loads.*,
        -- what the arithmetic leaves of a removed contact (1e-12) is no traffic
        case
            when queue_loads.offered < 1e-9 then 0
            else queue_loads.offered * queue_loads.aht_seconds / {{ staffing_interval_seconds() }}
        end as traffic_erlangs
    from queue_loads

),

scaled_loads as {{ materialized_cte() }} (

    select
        loads.*,
        -- the average-cost staffing: the baseline's agents in proportion to the traffic
        case
            when
                loads.base_traffic_erlangs > 0
                then loads.base_required_agents * loads.traffic_erlangs / loads.base_traffic_erlangs
        end as given_agents
    from loads

),

{{ erlang_c_staffing('erlang', 'scaled_loads', ['scenario_id', 'interval_start_local', 'channel', 'cost_pool']) }},

queue_staffing as (

    select
        loads.scenario_id,
        loads.interval_month,
        loads.channel,
        loads.cost_pool,
        case when loads.traffic_erlangs = 0 then 0 else erlang.required_agents end as required_agents,
        -- no baseline traffic to scale: the average-cost staffing is the required one
        case
            when loads.traffic_erlangs = 0 then 0
            when loads.given_agents is null then erlang.required_agents
            else loads.given_agents
        end as scaled_agents,
        loads.base_required_agents,
        case when loads.base_traffic_erlangs > 0 then loads.base_offered else 0 end as base_sl_weight,
        case when loads.base_traffic_erlangs > 0 then loads.base_offered * loads.base_service_level else 0 end
            as base_sl_weighted,
        case when loads.traffic_erlangs > 0 then loads.offered else 0 end as sl_weight,
        case when loads.traffic_erlangs > 0 then loads.offered * erlang.expected_service_level else 0 end
            as marginal_sl_weighted,
        case
            when loads.traffic_erlangs = 0 then 0
            when loads.given_agents is null then loads.offered * erlang.expected_service_level
            else loads.offered * erlang.given_service_level
        end as average_sl_weighted
    from scaled_loads as loads
    left join erlang
        on loads.scenario_id = erlang.scenario_id
            and loads.interval_start_local = erlang.interval_start_local
            and loads.channel = erlang.channel
            and loads.cost_pool = erlang.cost_pool

),

queue_monthly as (

    select
        scenario_id,
        interval_month,
        channel,
        cost_pool,
        sum(required_agents - base_required_agents) as required_agent_intervals_change,
        sum(scaled_agents - base_required_agents) as scaled_agent_intervals_change,
        sum(sl_weight - base_sl_weight) as sl_weight_change,
        sum(marginal_sl_weighted - base_sl_weighted) as marginal_sl_weighted_change,
        sum(average_sl_weighted - base_sl_weighted) as average_sl_weighted_change
    from queue_staffing
    group by scenario_id, interval_month, channel, cost_pool

),

change_monthly as (

    select
        scenario_id,
        interval_month,
        channel,
        cost_pool,
        sum(offered_change) as offered_change,
        sum(workload_change_seconds) as workload_change_seconds,
        sum(removed_volume) as removed_volume,
        sum(added_volume) as added_volume,
        sum(lost_volume) as lost_volume,
        sum(affected_volume) as affected_volume,
        sum(aht_workload_saved_seconds) as aht_workload_saved_seconds,
        sum(outsourced_contacts) as outsourced_contacts,
        sum(outsourced_handle_minutes) as outsourced_handle_minutes
    from changes
    group by scenario_id, interval_month, channel, cost_pool

),

final as (

    select
        change_monthly.scenario_id,
        change_monthly.interval_month as staffing_month,
        change_monthly.channel,
        change_monthly.cost_pool,
        change_monthly.channel in {{ kpi_channel_list('queued') }} as is_erlang_staffed,
        change_monthly.offered_change,
        change_monthly.workload_change_seconds,
        change_monthly.removed_volume,
        change_monthly.added_volume,
        change_monthly.lost_volume,
        change_monthly.affected_volume,
        change_monthly.aht_workload_saved_seconds,
        change_monthly.outsourced_contacts,
        change_monthly.outsourced_handle_minutes,
        -- paid hours: queued work by agent positions x half an hour / (1 - shrinkage); other
        -- work by its workload at the team's occupancy, the same on both bases
        case
            when change_monthly.channel in {{ kpi_channel_list('queued') }}
                then
                    coalesce(queue_monthly.required_agent_intervals_change, 0)
                    * {{ safe_divide(staffing_interval_seconds() ~ ' / 3600.0', '1 - team_months.shrinkage') }}
            when change_monthly.workload_change_seconds = 0 then 0
            else {{ safe_divide('change_monthly.workload_change_seconds / 3600.0', 'team_months.occupancy * (1 - team_months.shrinkage)') }}
        end as marginal_paid_hours_change,
        case
            when change_monthly.channel in {{ kpi_channel_list('queued') }}
                then
                    coalesce(queue_monthly.scaled_agent_intervals_change, 0)
                    * {{ safe_divide(staffing_interval_seconds() ~ ' / 3600.0', '1 - team_months.shrinkage') }}
            when change_monthly.workload_change_seconds = 0 then 0
            else {{ safe_divide('change_monthly.workload_change_seconds / 3600.0', 'team_months.occupancy * (1 - team_months.shrinkage)') }}
        end as average_paid_hours_change,
        team_months.cost_per_paid_hour,
        coalesce(queue_monthly.sl_weight_change, 0) as sl_weight_change,
        coalesce(queue_monthly.marginal_sl_weighted_change, 0) as marginal_sl_weighted_change,
        coalesce(queue_monthly.average_sl_weighted_change, 0) as average_sl_weighted_change
    from change_monthly
    left join queue_monthly
        on change_monthly.scenario_id = queue_monthly.scenario_id
            and change_monthly.interval_month = queue_monthly.interval_month
            and change_monthly.channel = queue_monthly.channel
            and change_monthly.cost_pool = queue_monthly.cost_pool
    left join team_months
        on change_monthly.interval_month = team_months.cost_month
            and change_monthly.cost_pool = team_months.cost_pool

)

select * from final
