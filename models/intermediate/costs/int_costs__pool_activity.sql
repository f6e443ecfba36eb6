{#- One row per interaction and cost pool it used (its team's labour pool, its channel's platform pools), with
    every driver quantity and the estimated part of the minute drivers (C10). -#}
{{ incremental_by_month('cost_month') }}
with

activity as (

    select * from {{ ref('int_costs__interaction_activity') }}
    {{ incremental_months_filter('cost_month') }}

),

platform_pools as (

    select
        cost_pool,
        platform
    from {{ ref('cost_centers') }}
    where pool_type = 'platform'
    group by cost_pool, platform

),

labour as (

    -- the team's handled interactions: the agent's cost center is the pool's, and the agent worked on it
    select
        interaction_id,
        cost_month,
        channel,
        labour_cost_pool as cost_pool,
        'labour' as pool_type,
        productive_handle_minutes,
        case when is_handled then 1 else 0 end as handled_interactions,
        usage_minutes,
        1 as interactions,
        estimated_productive_handle_minutes,
        estimated_usage_minutes
    from activity
    where labour_cost_pool is not null
        and (productive_handle_minutes > 0 or is_handled)

),

platform as (

    -- every interaction of a channel the platform serves, handled or not
    select
        activity.interaction_id,
        activity.cost_month,
        activity.channel,
        platform_pools.cost_pool,
        'platform' as pool_type,
        activity.productive_handle_minutes,
        case when activity.is_handled then 1 else 0 end as handled_interactions,
        activity.usage_minutes,
        1 as interactions,
        activity.estimated_productive_handle_minutes,
        activity.estimated_usage_minutes
    from activity
    inner join platform_pools
        on activity.platform = platform_pools.platform

)

select * from labour
union all
select * from platform
