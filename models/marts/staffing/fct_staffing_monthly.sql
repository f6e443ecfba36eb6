{#-
    Staffing by month x channel x agent team (docs/decisions/staffing.md ST5): contacts and
    workload of every channel; the paid hours, FTE and labour cost the workload requires -
    queued channels (inbound_call, chat) staffed interval by interval by Erlang C
    (fct_staffing_30min), other agent work (cases, outbound calls) at the team's measured
    occupancy - beside the hours logged on the queues. The baseline of rpt_scenarios_monthly.
-#}
{{ incremental_by_month('staffing_month') }}
with

contacts as (

    select
        interval_month as staffing_month,
        channel,
        cost_pool,
        sum(team_share) as contacts,
        {{ kpi_count_if('is_handled') }} as handled,
        sum(workload_seconds) as workload_seconds
    from {{ ref('int_staffing__contacts') }}
    {{ incremental_months_filter('interval_month') }}
    group by interval_month, channel, cost_pool

),

queue_intervals as (

    select
        interval_month as staffing_month,
        channel,
        cost_pool,
        sum(required_paid_hours) as required_paid_hours,
        sum(observed_paid_hours) as observed_paid_hours,
        sum(case when traffic_erlangs > 0 then offered_volume else 0 end) as sl_weight,
        sum(case when traffic_erlangs > 0 then offered_volume * expected_service_level_rate else 0 end)
            as expected_sl_weighted,
        sum(case when traffic_erlangs > 0 then offered_volume * observed_expected_service_level_rate else 0 end)
            as observed_sl_weighted
    from {{ ref('fct_staffing_30min') }}
    {{ incremental_months_filter('interval_month') }}
    group by interval_month, channel, cost_pool

),

team_months as (

    select * from {{ ref('int_staffing__team_months') }}

),

keys as (

    select
        staffing_month,
        channel,
        cost_pool
    from contacts
    union
    select
        staffing_month,
        channel,
        cost_pool
    from queue_intervals

),

joined as (

    select
        keys.staffing_month,
        keys.channel,
        keys.cost_pool,
        team_months.team,
        keys.channel in {{ kpi_channel_list('queued') }} as is_erlang_staffed,
        coalesce(contacts.contacts, 0) as contacts,
        coalesce(contacts.handled, 0) as handled,
        coalesce(contacts.workload_seconds, 0) as workload_seconds,
        team_months.shrinkage,
        team_months.occupancy,
        team_months.cost_per_paid_hour,
        queue_intervals.staffing_month is not null as has_queue_intervals,
        queue_intervals.required_paid_hours as queue_required_paid_hours,
        queue_intervals.observed_paid_hours,
        queue_intervals.sl_weight,
        queue_intervals.expected_sl_weighted,
        queue_intervals.observed_sl_weighted
    from keys
    left join contacts
        on keys.staffing_month = contacts.staffing_month
            and keys.channel = contacts.channel
            and keys.cost_pool = contacts.cost_pool
    left join queue_intervals
        on keys.staffing_month = queue_intervals.staffing_month
            and keys.channel = queue_intervals.channel
            and keys.cost_pool = queue_intervals.cost_pool
    left join team_months
        on keys.staffing_month = team_months.cost_month
            and keys.cost_pool = team_months.cost_pool

),

required as (

    select
        joined.*,
        case
            -- queued contacts: the Erlang intervals (null when the team has no shrinkage measured)
            when joined.is_erlang_staffed and joined.has_queue_intervals then joined.queue_required_paid_hours
            when joined.workload_seconds = 0 then 0
            -- work without a queue: its hours at the team's occupancy, grossed up for shrinkage
            else {{ safe_divide('workload_seconds / 3600.0', 'occupancy * (1 - shrinkage)') }}
        end as required_paid_hours
    from joined

),

final as (

    select
        staffing_month,
        channel,
        cost_pool,
        team,
        is_erlang_staffed,
        contacts as offered_volume,
        handled as handled_contacts,
        workload_seconds / 3600.0 as workload_hours,
        shrinkage as shrinkage_rate,
        occupancy as occupancy_rate,
        -- money leaves the double arithmetic as decimals: per hour to 4 decimals, amounts to 6
        {{ cost_money('cost_per_paid_hour', 4) }} as cost_per_paid_hour_amount,
        required_paid_hours,
        required_paid_hours / {{ staffing_paid_hours_per_fte_month() }} as required_fte,
        -- one cost per paid hour per team and month: the sum of the intervals' costs
        {{ cost_money('required_paid_hours * cost_per_paid_hour', 6) }} as required_labour_cost_amount,
        observed_paid_hours,
        observed_paid_hours / {{ staffing_paid_hours_per_fte_month() }} as observed_fte,
        {{ cost_money('observed_paid_hours * cost_per_paid_hour', 6) }} as observed_labour_cost_amount,
        '{{ var("reporting_currency") }}' as currency,
        sl_weight as sl_offered_volume,
        expected_sl_weighted as expected_sl_within_threshold_volume,
        {{ safe_divide('expected_sl_weighted', 'sl_weight') }} as expected_service_level_rate,
        observed_sl_weighted as observed_sl_within_threshold_volume,
        {{ safe_divide('observed_sl_weighted', 'sl_weight') }} as observed_expected_service_level_rate
    from required

)

select * from final
