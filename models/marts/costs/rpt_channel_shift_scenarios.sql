{#- One row per channel-shift scenario (seed scenarios, scenario_type channel_shift): baseline cost, scenario cost and savings, in decimal arithmetic. -#}
with

scenarios as (

    select
        scenario_id,
        contact_reason,
        channel as from_channel,
        to_channel,
        shift_share,
        annual_volume,
        coalesce(unit_cost_basis, 'actual') as unit_cost_basis
    from {{ ref('scenarios') }}
    where scenario_type = 'channel_shift'

),

interactions as (

    select interaction_date, contact_reason, channel, total_cost
    from {{ ref('int_interactions__costs') }}

),

observed_period as (

    select
        min(interaction_date) as first_date,
        max(interaction_date) as last_date,
        {{ dbt.datediff('min(interaction_date)', 'max(interaction_date)', 'day') }} + 1 as observed_days
    from interactions

),

reason_volumes as (

    select contact_reason, channel, count(*) as interactions
    from interactions
    group by contact_reason, channel

),

actual_unit_costs as (

    -- this warehouse's cost per interaction of each channel over the observed period
    select channel, {{ cost_ratio('sum(total_cost)', 'count(*)', 6) }} as unit_cost
    from interactions
    group by channel

),

benchmark_unit_costs as (

    select channel, cast((cost_low + cost_high) * 0.5 as decimal(18, 6)) as unit_cost
    from {{ ref('channel_benchmarks') }}
    where is_default

),

volumes as (

    select
        scenarios.*,
        observed_period.observed_days,
        coalesce(reason_volumes.interactions, 0) as observed_volume,
        case
            when scenarios.annual_volume is not null then cast(scenarios.annual_volume as decimal(18, 2))
            else {{ cost_ratio('coalesce(reason_volumes.interactions, 0) * 365', 'observed_period.observed_days', 2) }}
        end as baseline_volume
    from scenarios
    cross join observed_period
    left join reason_volumes
        on reason_volumes.contact_reason = scenarios.contact_reason
        and reason_volumes.channel = scenarios.from_channel

),

priced as (

    select
        volumes.*,
        cast(volumes.baseline_volume * volumes.shift_share as decimal(18, 4)) as shifted_volume,
        case volumes.unit_cost_basis
            when 'benchmark' then from_benchmark.unit_cost
            when 'actual' then from_actual.unit_cost
        end as from_unit_cost,
        case volumes.unit_cost_basis
            when 'benchmark' then to_benchmark.unit_cost
            when 'actual' then to_actual.unit_cost
        end as to_unit_cost
    from volumes
    left join benchmark_unit_costs as from_benchmark on from_benchmark.channel = volumes.from_channel
    left join benchmark_unit_costs as to_benchmark on to_benchmark.channel = volumes.to_channel
    left join actual_unit_costs as from_actual on from_actual.channel = volumes.from_channel
    left join actual_unit_costs as to_actual on to_actual.channel = volumes.to_channel

),

costed as (

    -- volumes as decimal(16, 4) and unit costs as decimal(20, 6): products exact on both engines
    -- (16 + 20 + 1 digits stay within Spark's 38), and no 18-digit overflow of DuckDB
    select
        priced.*,
        {{ cost_money('round(cast(baseline_volume as decimal(16, 4)) * cast(from_unit_cost as decimal(20, 6)), 2)') }}
            as baseline_cost,
        {{ cost_money('round(
            cast(baseline_volume - shifted_volume as decimal(16, 4)) * cast(from_unit_cost as decimal(20, 6))
            + cast(shifted_volume as decimal(16, 4)) * cast(to_unit_cost as decimal(20, 6)), 2)') }} as scenario_cost
    from priced

)

select
    scenario_id,
    contact_reason,
    from_channel,
    to_channel,
    shift_share,
    unit_cost_basis,
    case when annual_volume is not null then 'given' else 'observed_annualised' end as volume_basis,
    observed_volume,
    observed_days,
    baseline_volume,
    shifted_volume,
    from_unit_cost as from_unit_cost_amount,
    to_unit_cost as to_unit_cost_amount,
    baseline_cost as baseline_cost_amount,
    scenario_cost as scenario_cost_amount,
    {{ cost_money('baseline_cost - scenario_cost') }} as savings_amount,
    '{{ var("reporting_currency") }}' as currency
from costed
