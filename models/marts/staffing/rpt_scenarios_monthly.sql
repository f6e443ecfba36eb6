{#-
    Every scenario of seed `scenarios` on the history, month by month, priced on two bases
    (docs/decisions/staffing.md ST8), beside the baseline (the month as it was):
      average   the seed method: each contact that leaves a channel saves the channel's full
                cost per contact that month, each one that arrives costs it; handle time saved
                saves the channel's labour + overhead per workload minute; plus the vendor
      marginal  the labour of the re-staffing (int_scenarios__staffing_monthly) at each team's
                cost per paid hour; platforms and overhead unchanged; plus the vendor
    Two rows per scenario and month. Stand-alone scenarios (a given annual_volume) are in
    rpt_scenarios only.
-#}
with

scenarios as (

    select
        scenario_id,
        scenario_type,
        description,
        vendor_price_per_minute,
        vendor_price_per_contact
    from {{ ref('scenarios') }}
    where annual_volume is null

),

staffing as (

    select * from {{ ref('fct_staffing_monthly') }}

),

months as (

    select distinct staffing_month from staffing

),

baseline as (

    select
        staffing_month,
        sum(offered_volume) as contacts,
        sum(
            case
                when
                    cost_pool <> 'unassigned' and channel in {{ kpi_channel_list('assisted') }}
                    then offered_volume
                else 0
            end
        )
            as agent_contacts,
        sum(coalesce(required_paid_hours, 0)) as required_paid_hours,
        sum(coalesce(sl_offered_volume, 0)) as sl_weight,
        sum(coalesce(expected_sl_within_threshold_volume, 0)) as sl_weighted
    from staffing
    group by staffing_month

),

channel_costs as (

    select
        cost_month,
        channel,
        total_cost_amount as total_cost,
        {{ safe_divide('total_cost_amount', 'interactions') }} as cost_per_contact,
        -- labour and overhead follow agent time (docs/decisions/cost_allocation.md C1)
        {{ safe_divide('labour_cost_amount + overhead_cost_amount', 'productive_handle_minutes * 60') }}
            as time_cost_per_workload_second
    from {{ ref('fct_channel_costs_monthly') }}

),

month_costs as (

    select
        cost_month,
        sum(total_cost) as total_cost
    from channel_costs
    group by cost_month

),

changes as (

    select
        changes.*,
        channel_costs.cost_per_contact,
        channel_costs.time_cost_per_workload_second
    from {{ ref('int_scenarios__staffing_monthly') }} as changes
    left join channel_costs
        on changes.staffing_month = channel_costs.cost_month
            and changes.channel = channel_costs.channel

),

scenario_months as (

    select
        scenarios.scenario_id,
        months.staffing_month,
        coalesce(sum(changes.lost_volume), 0) as lost_volume,
        coalesce(sum(changes.affected_volume), 0) as affected_volume,
        coalesce(
            sum(case when changes.cost_pool <> 'unassigned' and changes.channel in {{ kpi_channel_list('assisted') }}
                    then changes.offered_change
                else 0
            end), 0
        ) as agent_contacts_change,
        coalesce(sum(changes.marginal_paid_hours_change), 0) as marginal_paid_hours_change,
        coalesce(sum(changes.average_paid_hours_change), 0) as average_paid_hours_change,
        coalesce(sum(changes.sl_weight_change), 0) as sl_weight_change,
        coalesce(sum(changes.marginal_sl_weighted_change), 0) as marginal_sl_weighted_change,
        coalesce(sum(changes.average_sl_weighted_change), 0) as average_sl_weighted_change,
        -- in decimals: prices have few digits, and a product that ends on half a cent must round
        -- the same way on every engine (a double may sit just below it)
        {{ cost_money(
            cost_money('coalesce(sum(changes.outsourced_contacts), 0)', 6)
            ~ ' * coalesce(max(scenarios.vendor_price_per_contact), 0) + '
            ~ cost_money('coalesce(sum(changes.outsourced_handle_minutes), 0)', 6)
            ~ ' * coalesce(max(scenarios.vendor_price_per_minute), 0)') }}
            as vendor_cost,
        -- average cost: contacts that leave minus contacts that arrive at the channel's cost per contact,
        -- and workload saved by shorter handling at the channel's time-driven cost
        coalesce(sum(
            (changes.removed_volume - changes.added_volume) * changes.cost_per_contact
            + changes.aht_workload_saved_seconds * coalesce(changes.time_cost_per_workload_second, 0)
        ), 0)
            as average_cost_avoided,
        -- marginal: the labour of the paid hours the re-staffing removes (a team without a cost counts 0)
        coalesce(-sum(changes.marginal_paid_hours_change * coalesce(changes.cost_per_paid_hour, 0)), 0)
            as marginal_labour_avoided
    from scenarios
    cross join months
    left join changes
        on scenarios.scenario_id = changes.scenario_id
            and months.staffing_month = changes.staffing_month
    group by scenarios.scenario_id, months.staffing_month

),

bases as (

    select 'average' as cost_basis
    union all
    select 'marginal' as cost_basis

),

priced as (

    select
        scenario_months.scenario_id,
        scenario_months.staffing_month,
        bases.cost_basis,
        baseline.contacts as baseline_volume,
        baseline.contacts - scenario_months.lost_volume as scenario_volume,
        scenario_months.affected_volume,
        baseline.agent_contacts as baseline_agent_volume,
        baseline.agent_contacts + scenario_months.agent_contacts_change as scenario_agent_volume,
        baseline.required_paid_hours as baseline_paid_hours,
        baseline.required_paid_hours + case bases.cost_basis
            when 'average' then scenario_months.average_paid_hours_change
            else scenario_months.marginal_paid_hours_change
        end as scenario_paid_hours,
        {{ cost_money('month_costs.total_cost') }} as baseline_cost,
        {{ cost_money("case bases.cost_basis when 'average' then scenario_months.average_cost_avoided else scenario_months.marginal_labour_avoided end") }}
            as cost_avoided,
        scenario_months.vendor_cost,
        {{ safe_divide('baseline.sl_weighted', 'baseline.sl_weight') }} as baseline_service_level,
        {{ safe_divide(
            'baseline.sl_weighted + case bases.cost_basis when \'average\' then scenario_months.average_sl_weighted_change else scenario_months.marginal_sl_weighted_change end',
            'baseline.sl_weight + scenario_months.sl_weight_change') }} as scenario_service_level
    from scenario_months
    cross join bases
    inner join baseline
        on scenario_months.staffing_month = baseline.staffing_month
    left join month_costs
        on scenario_months.staffing_month = month_costs.cost_month

),

final as (

    select
        priced.scenario_id,
        scenarios.scenario_type,
        priced.staffing_month,
        priced.cost_basis,
        priced.baseline_volume,
        priced.scenario_volume,
        priced.affected_volume,
        priced.baseline_agent_volume,
        priced.scenario_agent_volume,
        priced.baseline_paid_hours / {{ staffing_paid_hours_per_fte_month() }} as baseline_fte,
        priced.scenario_paid_hours / {{ staffing_paid_hours_per_fte_month() }} as scenario_fte,
        priced.baseline_paid_hours,
        priced.scenario_paid_hours,
        priced.baseline_cost as baseline_cost_amount,
        -- cents from here on: savings = cost avoided - vendor cost and scenario cost = baseline cost - savings exactly
        {{ cost_money('priced.baseline_cost - (priced.cost_avoided - priced.vendor_cost)') }} as scenario_cost_amount,
        {{ cost_money('priced.cost_avoided - priced.vendor_cost') }} as savings_amount,
        priced.cost_avoided as avoided_cost_amount,
        priced.vendor_cost as vendor_cost_amount,
        priced.baseline_service_level as baseline_service_level_rate,
        priced.scenario_service_level as scenario_service_level_rate,
        '{{ var("reporting_currency") }}' as currency
    from priced
    inner join scenarios
        on priced.scenario_id = scenarios.scenario_id

)

select * from final
