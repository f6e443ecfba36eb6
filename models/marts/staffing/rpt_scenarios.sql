{#-
    One row per scenario x cost basis: the scenario over the whole history (the months of
    rpt_scenarios_monthly summed; FTE, service level and the per-month figures as monthly
    averages), beside the baseline. A channel shift with a given annual_volume is a
    stand-alone case (the benchmark document's worked example): one year of that volume on
    the average-cost basis, exactly as rpt_channel_shift_scenarios prices it; its marginal
    row has no figures (there are no intervals to staff). docs/decisions/staffing.md ST8.
-#}
with

scenarios as (

    select
        scenario_id,
        scenario_type,
        description,
        annual_volume
    from {{ ref('scenarios') }}

),

monthly as (

    select * from {{ ref('rpt_scenarios_monthly') }}

),

history as (

    select
        scenario_id,
        cost_basis,
        'history' as volume_basis,
        min(staffing_month) as first_month,
        max(staffing_month) as last_month,
        count(*) as months,
        sum(baseline_volume) as baseline_volume,
        sum(scenario_volume) as scenario_volume,
        sum(affected_volume) as affected_volume,
        avg(baseline_fte) as baseline_fte,
        avg(scenario_fte) as scenario_fte,
        sum(baseline_cost_amount) as baseline_cost,
        sum(scenario_cost_amount) as scenario_cost,
        sum(savings_amount) as saving,
        sum(vendor_cost_amount) as vendor_cost,
        {{ safe_divide('sum(baseline_service_level_rate * baseline_volume)', 'sum(case when baseline_service_level_rate is not null then baseline_volume else 0 end)') }}
            as baseline_service_level,
        {{ safe_divide('sum(scenario_service_level_rate * scenario_volume)', 'sum(case when scenario_service_level_rate is not null then scenario_volume else 0 end)') }}
            as scenario_service_level
    from monthly
    group by scenario_id, cost_basis

),

given_volume as (

    select
        shifts.scenario_id,
        bases.cost_basis,
        'given_annual_volume' as volume_basis,
        cast(null as date) as first_month,
        cast(null as date) as last_month,
        12 as months,
        cast(shifts.baseline_volume as {{ type_double() }}) as baseline_volume,
        cast(shifts.baseline_volume as {{ type_double() }}) as scenario_volume,
        cast(shifts.shifted_volume as {{ type_double() }}) as affected_volume,
        cast(null as {{ type_double() }}) as baseline_fte,
        cast(null as {{ type_double() }}) as scenario_fte,
        case when bases.cost_basis = 'average' then shifts.baseline_cost_amount end as baseline_cost,
        case when bases.cost_basis = 'average' then shifts.scenario_cost_amount end as scenario_cost,
        case when bases.cost_basis = 'average' then shifts.savings_amount end as saving,
        case when bases.cost_basis = 'average' then {{ cost_money('0') }} end as vendor_cost,
        cast(null as {{ type_double() }}) as baseline_service_level,
        cast(null as {{ type_double() }}) as scenario_service_level
    from {{ ref('rpt_channel_shift_scenarios') }} as shifts
    cross join (
        select 'average' as cost_basis
        union all
        select 'marginal' as cost_basis
    ) as bases
    where shifts.volume_basis = 'given'

),

unioned as (

    select * from history
    union all
    select * from given_volume

),

final as (

    select
        unioned.scenario_id,
        scenarios.scenario_type,
        scenarios.description,
        unioned.cost_basis,
        unioned.volume_basis,
        unioned.first_month,
        unioned.last_month,
        unioned.months,
        unioned.baseline_volume,
        unioned.scenario_volume,
        unioned.affected_volume,
        unioned.baseline_fte,
        unioned.scenario_fte,
        {{ cost_money('unioned.baseline_cost') }} as baseline_cost_amount,
        {{ cost_money('unioned.scenario_cost') }} as scenario_cost_amount,
        {{ cost_money('unioned.saving') }} as savings_amount,
        -- saving / months to the cent, half up, in whole cents: a decimal quotient that ends on half
        -- a cent (an odd number of cents over 2 months) rounds the same way on every engine
        {{ cost_from_units('floor((2 * ' ~ cost_to_units('unioned.saving', 2) ~ ' + unioned.months) / (2.0 * unioned.months))', 2) }}
            as savings_per_month_amount,
        {{ cost_money('unioned.vendor_cost') }} as vendor_cost_amount,
        unioned.baseline_service_level as baseline_service_level_rate,
        unioned.scenario_service_level as scenario_service_level_rate,
        '{{ var("reporting_currency") }}' as currency
    from unioned
    inner join scenarios
        on unioned.scenario_id = scenarios.scenario_id

)

select * from final
