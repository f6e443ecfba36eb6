{#- Month x channel: volumes, allocated cost by type and unit costs, against the published benchmark, and how
    much of the drivers was estimated (docs/decisions/cost_allocation.md C10). -#}
{{ incremental_by_month('cost_month') }}
with

allocation as (

    select
        cost_month,
        channel,
        sum(case when pool_type = 'labour' then allocated_amount else 0 end) as labour_cost,
        sum(case when pool_type = 'platform' then allocated_amount else 0 end) as platform_cost,
        sum(case when pool_type = 'overhead' then allocated_amount else 0 end) as overhead_cost
    from {{ ref('int_costs__channel_allocation') }}
    where channel <> 'unallocated'
    {{ incremental_months_filter('cost_month', 'and') }}
    group by cost_month, channel

),

volumes as (

    select
        cost_month,
        channel,
        max(case when is_assisted then 1 else 0 end) = 1 as is_assisted,
        count(*) as interactions,
        {{ kpi_count_if('is_handled') }} as handled_interactions,
        {{ kpi_count_if('is_resolved') }} as resolved_interactions,
        {{ kpi_count_if("handle_time_basis not in ('known', 'not_handled')") }} as handle_time_estimated_interactions,
        sum(handle_minutes) as handle_minutes,
        sum(productive_handle_minutes) as productive_handle_minutes,
        sum(estimated_productive_handle_minutes) as estimated_productive_handle_minutes,
        sum(usage_minutes) as usage_minutes,
        sum(estimated_usage_minutes) as estimated_usage_minutes
    from {{ ref('int_interactions__costs') }}
    {{ incremental_months_filter('cost_month') }}
    group by cost_month, channel

),

-- the part of each labour / platform pool's channel amount that its estimated driver quantity carries
direct_allocation as (

    select
        cost_month,
        cost_pool,
        cost_category,
        channel,
        driver,
        allocated_amount
    from {{ ref('int_costs__channel_allocation') }}
    where pool_type in ('labour', 'platform')
        and channel <> 'unallocated'
    {{ incremental_months_filter('cost_month', 'and') }}

),

pool_drivers as (

    select distinct
        cost_month,
        cost_pool,
        driver
    from direct_allocation

),

pool_estimates as (

    select
        pool_activity.cost_month,
        pool_activity.cost_pool,
        pool_activity.channel,
        pool_drivers.driver,
        sum({{ cost_driver_quantity('pool_drivers.driver', 'pool_activity') }}) as driver_quantity,
        sum({{ cost_estimated_driver_quantity('pool_drivers.driver', 'pool_activity') }}) as estimated_driver_quantity
    from {{ ref('int_costs__pool_activity') }} as pool_activity
    inner join pool_drivers
        on pool_activity.cost_month = pool_drivers.cost_month
            and pool_activity.cost_pool = pool_drivers.cost_pool
    group by pool_activity.cost_month, pool_activity.cost_pool, pool_activity.channel, pool_drivers.driver

),

estimated_costs as (

    select
        direct_allocation.cost_month,
        direct_allocation.channel,
        sum(
            cast(direct_allocation.allocated_amount as {{ type_double() }})
            * {{ safe_divide('pool_estimates.estimated_driver_quantity', 'pool_estimates.driver_quantity') }}
        ) as estimated_driver_cost,
        sum(direct_allocation.allocated_amount) as direct_cost
    from direct_allocation
    inner join pool_estimates
        on direct_allocation.cost_month = pool_estimates.cost_month
            and direct_allocation.cost_pool = pool_estimates.cost_pool
            and direct_allocation.channel = pool_estimates.channel
            and direct_allocation.driver = pool_estimates.driver
    group by direct_allocation.cost_month, direct_allocation.channel

),

benchmarks as (

    select
        channel,
        cost_low,
        cost_high,
        cast((cost_low + cost_high) * 0.5 as decimal(18, 4)) as cost_mid,
        currency,
        source
    from {{ ref('channel_benchmarks') }}
    where is_default

),

joined as (

    select
        coalesce(volumes.cost_month, allocation.cost_month) as cost_month,
        coalesce(volumes.channel, allocation.channel) as channel,
        volumes.is_assisted,
        coalesce(volumes.interactions, 0) as interactions,
        coalesce(volumes.handled_interactions, 0) as handled_interactions,
        coalesce(volumes.resolved_interactions, 0) as resolved_interactions,
        cast(coalesce(volumes.handle_minutes, 0) as decimal(18, 6)) as handle_minutes,
        cast(coalesce(volumes.productive_handle_minutes, 0) as decimal(18, 6)) as productive_handle_minutes,
        coalesce(volumes.handle_time_estimated_interactions, 0) as handle_time_estimated_interactions,
        cast(coalesce(volumes.estimated_productive_handle_minutes, 0) as decimal(18, 6))
            as estimated_productive_handle_minutes,
        cast(coalesce(volumes.usage_minutes, 0) as decimal(18, 6)) as usage_minutes,
        cast(coalesce(volumes.estimated_usage_minutes, 0) as decimal(18, 6)) as estimated_usage_minutes,
        -- share of the labour and platform cost carried by estimated driver quantities
        {{ cost_ratio('coalesce(estimated_costs.estimated_driver_cost, 0)', 'estimated_costs.direct_cost', 4) }}
            as estimated_driver_share,
        {{ cost_money('coalesce(allocation.labour_cost, 0)', 6) }} as labour_cost_amount,
        {{ cost_money('coalesce(allocation.platform_cost, 0)', 6) }} as platform_cost_amount,
        {{ cost_money('coalesce(allocation.overhead_cost, 0)', 6) }} as overhead_cost_amount
    from volumes
    full outer join allocation
        on volumes.cost_month = allocation.cost_month
            and volumes.channel = allocation.channel
    left join estimated_costs
        on coalesce(volumes.cost_month, allocation.cost_month) = estimated_costs.cost_month
            and coalesce(volumes.channel, allocation.channel) = estimated_costs.channel

),

with_totals as (

    select
        joined.*,
        {{ cost_money('labour_cost_amount + platform_cost_amount + overhead_cost_amount', 6) }} as total_cost_amount,
        '{{ var("reporting_currency") }}' as currency
    from joined

),

unit_costs as (

    select
        with_totals.*,
        {{ cost_ratio('labour_cost_amount', 'total_cost_amount', 4) }} as labour_share,
        {{ cost_ratio('total_cost_amount', 'interactions', 4) }} as cost_per_interaction_amount,
        {{ cost_ratio('total_cost_amount', 'handled_interactions', 4) }} as cost_per_handled_interaction_amount,
        {{ cost_ratio('total_cost_amount', 'handle_minutes', 4) }} as cost_per_handle_minute_amount,
        {{ cost_ratio('total_cost_amount', 'resolved_interactions', 4) }} as cost_per_resolved_contact_amount
    from with_totals

)

select
    unit_costs.*,
    benchmarks.source as benchmark_source,
    benchmarks.cost_low as benchmark_cost_low_amount,
    benchmarks.cost_high as benchmark_cost_high_amount,
    benchmarks.currency as benchmark_currency,
    case when benchmarks.currency = '{{ var("reporting_currency") }}'
            then unit_costs.cost_per_interaction_amount - benchmarks.cost_mid
    end as variance_to_benchmark_amount,
    case when benchmarks.currency = '{{ var("reporting_currency") }}'
            then case
                    when unit_costs.cost_per_interaction_amount < benchmarks.cost_low then 'below'
                    when unit_costs.cost_per_interaction_amount > benchmarks.cost_high then 'above'
                    when unit_costs.cost_per_interaction_amount is not null then 'within'
                end
    end as benchmark_position
from unit_costs
left join benchmarks
    on unit_costs.channel = benchmarks.channel
