{#-
    Step 4 of the allocation: channel-month cost -> interactions, in millionths of the
    reporting currency, exactly (largest remainder: the interactions of a channel,
    month and pool sum to the channel's amount to the last millionth, so to the cent).
    Labour and platform: by the pool's driver on each interaction that used the pool.
    Overhead: by the interaction's labour cost; evenly over the channel's
    interactions when the channel has overhead but no labour cost that month.
-#}
{{ incremental_by_month('cost_month') }}
with

channel_allocation as (

    select * from {{ ref('int_costs__channel_allocation') }}
    where channel <> 'unallocated'
    {{ incremental_months_filter('cost_month', 'and') }}

),

pool_activity as (

    select * from {{ ref('int_costs__pool_activity') }}
    {{ incremental_months_filter('cost_month') }}

),

interaction_activity as (

    select
        interaction_id,
        cost_month,
        channel
    from {{ ref('int_costs__interaction_activity') }}
    {{ incremental_months_filter('cost_month') }}

),

-- labour and platform ------------------------------------------------------------

direct_channel as (

    select
        cost_month,
        cost_pool,
        pool_type,
        channel,
        driver,
        sum(allocated_amount) as amount
    from channel_allocation
    where pool_type in ('labour', 'platform')
    group by cost_month, cost_pool, pool_type, channel, driver

),

direct_weights as (

    select
        direct_channel.cost_month,
        direct_channel.cost_pool,
        direct_channel.pool_type,
        direct_channel.channel,
        direct_channel.driver,
        {{ cost_to_units('direct_channel.amount', 6) }} as total_units,
        pool_activity.interaction_id,
        {{ cost_driver_quantity('direct_channel.driver', 'pool_activity') }} as weight
    from direct_channel
    inner join pool_activity
        on direct_channel.cost_month = pool_activity.cost_month
            and direct_channel.cost_pool = pool_activity.cost_pool
            and direct_channel.channel = pool_activity.channel

),

direct_to_split as (

    select * from direct_weights
    where weight > 0

),

{{ cost_largest_remainder(
    'direct_split', 'direct_to_split',
    ['cost_month', 'cost_pool', 'channel', 'driver'],
    'total_units', 'weight', 'interaction_id') }},

direct_costs as (

    select
        interaction_id,
        cost_month,
        channel,
        cost_pool,
        pool_type,
        sum(allocated_units) as allocated_units
    from direct_split
    group by interaction_id, cost_month, channel, cost_pool, pool_type

),

-- shared overhead ------------------------------------------------------------------

interaction_labour as (

    select
        interaction_id,
        sum(allocated_units) as labour_units
    from direct_costs
    where pool_type = 'labour'
    group by interaction_id

),

channel_interactions as (

    select
        interaction_activity.interaction_id,
        interaction_activity.cost_month,
        interaction_activity.channel,
        coalesce(interaction_labour.labour_units, 0) as labour_units,
        sum(case when interaction_labour.labour_units > 0 then interaction_labour.labour_units else 0 end)
            over (partition by interaction_activity.cost_month, interaction_activity.channel) as channel_labour_units
    from interaction_activity
    left join interaction_labour
        on interaction_activity.interaction_id = interaction_labour.interaction_id

),

overhead_channel as (

    select
        cost_month,
        cost_pool,
        pool_type,
        channel,
        sum(allocated_amount) as amount
    from channel_allocation
    where pool_type = 'overhead'
    group by cost_month, cost_pool, pool_type, channel

),

overhead_weights as (

    select
        overhead_channel.cost_month,
        overhead_channel.cost_pool,
        overhead_channel.pool_type,
        overhead_channel.channel,
        {{ cost_to_units('overhead_channel.amount', 6) }} as total_units,
        channel_interactions.interaction_id,
        case
            when channel_interactions.channel_labour_units > 0 then channel_interactions.labour_units
            else 1
        end as weight
    from overhead_channel
    inner join channel_interactions
        on overhead_channel.cost_month = channel_interactions.cost_month
            and overhead_channel.channel = channel_interactions.channel

),

overhead_to_split as (

    select * from overhead_weights
    where weight > 0

),

{{ cost_largest_remainder(
    'overhead_split', 'overhead_to_split',
    ['cost_month', 'cost_pool', 'channel'],
    'total_units', 'weight', 'interaction_id') }},

all_costs as (

    select
        interaction_id,
        cost_month,
        channel,
        cost_pool,
        pool_type,
        allocated_units
    from direct_costs
    union all
    select
        interaction_id,
        cost_month,
        channel,
        cost_pool,
        pool_type,
        allocated_units
    from overhead_split

)

-- one row per interaction and pool already: direct_costs is grouped by both, and an
-- interaction takes one share of each overhead pool of its channel (tested: unique combination)
select
    interaction_id,
    cost_month,
    channel,
    cost_pool,
    pool_type,
    {{ cost_from_units('allocated_units', 6) }} as allocated_cost
from all_costs
