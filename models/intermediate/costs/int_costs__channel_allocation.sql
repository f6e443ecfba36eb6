{#-
    Steps 2-3 of the allocation: cost pools -> channels, month by month, to the cent.
    Labour and platform pools by their driver (allocation_drivers); shared overhead by
    the channels' allocated labour cost (or FTE). Cost that cannot be allocated stays
    visible on channel = 'unallocated' with its reason.
-#}
{{ incremental_by_month('cost_month') }}
with

base as (

    select * from {{ ref('int_costs__cost_base') }}
    {{ incremental_months_filter('cost_month') }}

),

pool_activity as (

    select * from {{ ref('int_costs__pool_activity') }}
    {{ incremental_months_filter('cost_month') }}

),

interaction_activity as (

    select * from {{ ref('int_costs__interaction_activity') }}
    {{ incremental_months_filter('cost_month') }}

),

channel_activity as (

    select
        cost_month,
        cost_pool,
        channel,
        sum(productive_handle_minutes) as productive_handle_minutes,
        sum(handled_interactions) as handled_interactions,
        sum(usage_minutes) as usage_minutes,
        sum(interactions) as interactions
    from pool_activity
    group by cost_month, cost_pool, channel

),

-- labour and platform pools ------------------------------------------------------

direct_drivers as (

    select
        base.cost_month,
        base.cost_pool,
        base.pool_type,
        base.cost_category,
        base.driver,
        base.amount,
        channel_activity.channel,
        cast({{ cost_driver_quantity('base.driver', 'channel_activity') }} as decimal(38, 6)) as driver_quantity
    from base
    inner join channel_activity
        on base.cost_month = channel_activity.cost_month
            and base.cost_pool = channel_activity.cost_pool
    where base.pool_type in ('labour', 'platform')
        and base.scope_status = 'in_scope'
        and base.driver is not null

),

direct_to_split as (

    select
        direct_drivers.*,
        {{ cost_to_units('amount', 2) }} as total_units
    from direct_drivers
    where direct_drivers.driver_quantity > 0

),

{{ cost_largest_remainder(
    'direct_split', 'direct_to_split',
    ['cost_month', 'cost_pool', 'cost_category'],
    'total_units', 'driver_quantity', 'channel') }},

direct_allocated as (

    select
        cost_month,
        cost_pool,
        pool_type,
        cost_category,
        channel,
        driver,
        driver_quantity,
        {{ cost_from_units('allocated_units', 2) }} as allocated_amount
    from direct_split

),

-- shared overhead ------------------------------------------------------------------

channel_labour as (

    select
        cost_month,
        channel,
        sum(allocated_amount) as labour_cost
    from direct_allocated
    where pool_type = 'labour'
    group by cost_month, channel

),

agent_month_minutes as (

    select
        interaction_id,
        cost_month,
        channel,
        agent_id,
        agent_fte,
        productive_handle_minutes,
        sum(productive_handle_minutes) over (partition by cost_month, agent_id) as agent_month_minutes
    from interaction_activity
    where labour_cost_pool is not null
        and agent_fte is not null
        and productive_handle_minutes > 0

),

channel_fte as (

    -- an agent's FTE split over channels by the agent's productive minutes in the month
    select
        cost_month,
        channel,
        sum(
            cast(agent_fte as {{ type_double() }})
            * cast(productive_handle_minutes as {{ type_double() }})
            / cast(agent_month_minutes as {{ type_double() }})
        ) as fte
    from agent_month_minutes
    group by cost_month, channel

),

overhead_quantities as (

    select
        cost_month,
        channel,
        'labour_cost_share' as driver,
        cast(labour_cost as decimal(38, 6)) as driver_quantity
    from channel_labour
    union all
    select
        cost_month,
        channel,
        'fte_share' as driver,
        cast(round(fte, 6) as decimal(38, 6)) as driver_quantity
    from channel_fte

),

overhead_to_split as (

    select
        base.cost_month,
        base.cost_pool,
        base.pool_type,
        base.cost_category,
        base.driver,
        base.amount,
        overhead_quantities.channel,
        overhead_quantities.driver_quantity,
        {{ cost_to_units('base.amount', 2) }} as total_units
    from base
    inner join overhead_quantities
        on base.cost_month = overhead_quantities.cost_month
            and base.driver = overhead_quantities.driver
    where base.pool_type = 'overhead'
        and base.scope_status = 'in_scope'
        and overhead_quantities.driver_quantity > 0

),

{{ cost_largest_remainder(
    'overhead_split', 'overhead_to_split',
    ['cost_month', 'cost_pool', 'cost_category'],
    'total_units', 'driver_quantity', 'channel') }},

overhead_allocated as (

    select
        cost_month,
        cost_pool,
        pool_type,
        cost_category,
        channel,
        driver,
        driver_quantity,
        {{ cost_from_units('allocated_units', 2) }} as allocated_amount
    from overhead_split

),

allocated as (

    select * from direct_allocated
    union all
    select * from overhead_allocated

),

-- what could not be allocated ---------------------------------------------------------

allocated_keys as (

    select distinct
        cost_month,
        cost_pool,
        cost_category
    from allocated

),

unallocated as (

    select
        base.cost_month,
        base.cost_pool,
        base.pool_type,
        base.cost_category,
        'unallocated' as channel,
        base.driver,
        cast(0 as decimal(38, 6)) as driver_quantity,
        base.amount as allocated_amount,
        case
            when base.scope_status <> 'in_scope' then base.scope_status
            when base.driver is null then 'no_driver_configured'
            else 'no_driver_activity'
        end as unallocated_reason,
        case
            when base.scope_status <> 'in_scope' then base.unmapped_detail
            when base.driver is null then {{ dbt.concat(["'no allocation_drivers row for pool type '", 'base.pool_type',
                "', pool '", 'base.cost_pool', "', category '", 'base.cost_category']) }}
            else {{ dbt.concat(["'no '", 'base.driver', "' in '", 'base.cost_pool', "' this month'"]) }}
        end as unallocated_detail
    from base
    left join allocated_keys
        on base.cost_month = allocated_keys.cost_month
            and base.cost_pool = allocated_keys.cost_pool
            and base.cost_category = allocated_keys.cost_category
    where allocated_keys.cost_month is null

),

final as (

    select
        cost_month,
        cost_pool,
        pool_type,
        cost_category,
        channel,
        driver,
        driver_quantity,
        allocated_amount,
        cast(null as {{ dbt.type_string() }}) as unallocated_reason,
        cast(null as {{ dbt.type_string() }}) as unallocated_detail
    from allocated
    union all
    select
        cost_month,
        cost_pool,
        pool_type,
        cost_category,
        channel,
        driver,
        driver_quantity,
        allocated_amount,
        unallocated_reason,
        unallocated_detail
    from unallocated

)

select
    cost_month,
    cost_pool,
    pool_type,
    cost_category,
    channel,
    driver,
    driver_quantity,
    {{ cost_money('allocated_amount', 2) }} as allocated_amount,
    '{{ var("reporting_currency") }}' as currency,
    unallocated_reason,
    unallocated_detail,
    channel = 'unallocated' as is_unallocated
from final
