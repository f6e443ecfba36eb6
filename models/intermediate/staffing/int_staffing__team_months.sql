{#-
    One row per agent team (labour cost pool) x business-local month with workforce activity
    or labour cost: paid, shrinkage and ready hours from the WFM states of the team's agents
    (fct_agent_daily), the team's labour cost from the allocation (fct_cost_allocation, every
    row of the pool, unallocated included), and what the staffing model prices with:
    shrinkage, occupancy and the cost per paid hour (docs/decisions/staffing.md ST4).
    Small (teams x months): a table rebuilt whole.
-#}
with

agent_days as (

    select
        agent_id,
        cast({{ dbt.date_trunc('month', 'activity_date') }} as date) as cost_month,
        paid_seconds,
        shrinkage_seconds,
        occupancy_numerator_seconds as busy_seconds,
        occupancy_denominator_seconds as ready_seconds
    from {{ ref('fct_agent_daily') }}
    where has_wfm_activity

),

agents as (

    select
        agent_id,
        cost_center
    from {{ ref('dim_agent') }}

),

labour_pools as (

    select
        cost_center,
        cost_pool,
        team
    from {{ ref('cost_centers') }}
    where pool_type = 'labour'

),

pool_names as (

    select
        cost_pool,
        min(team) as team
    from labour_pools
    group by cost_pool

),

activity as (

    select
        agent_days.cost_month,
        labour_pools.cost_pool,
        count(distinct agent_days.agent_id) as agents,
        {{ kpi_sum_int('agent_days.paid_seconds') }} as paid_seconds,
        {{ kpi_sum_int('agent_days.shrinkage_seconds') }} as shrinkage_seconds,
        {{ kpi_sum_int('agent_days.ready_seconds') }} as ready_seconds,
        {{ kpi_sum_int('agent_days.busy_seconds') }} as busy_seconds
    from agent_days
    inner join agents
        on agent_days.agent_id = agents.agent_id
    inner join labour_pools
        on agents.cost_center = labour_pools.cost_center
    group by agent_days.cost_month, labour_pools.cost_pool

),

labour_cost as (

    select
        cost_month,
        cost_pool,
        {{ cost_money('sum(allocated_amount)') }} as labour_cost
    from {{ ref('fct_cost_allocation') }}
    where pool_type = 'labour'
    group by cost_month, cost_pool

),

keys as (

    select
        cost_month,
        cost_pool
    from activity
    union
    select
        cost_month,
        cost_pool
    from labour_cost

),

final as (

    select
        keys.cost_month,
        keys.cost_pool,
        pool_names.team,
        coalesce(activity.agents, 0) as agents,
        coalesce(activity.paid_seconds, 0) as paid_seconds,
        coalesce(activity.shrinkage_seconds, 0) as shrinkage_seconds,
        coalesce(activity.ready_seconds, 0) as ready_seconds,
        coalesce(activity.busy_seconds, 0) as busy_seconds,
        {{ safe_divide('activity.shrinkage_seconds', 'activity.paid_seconds') }} as shrinkage,
        {{ safe_divide('activity.busy_seconds', 'activity.ready_seconds') }} as occupancy,
        labour_cost.labour_cost,
        {{ safe_divide('labour_cost.labour_cost * 3600', 'activity.paid_seconds') }} as cost_per_paid_hour
    from keys
    left join activity
        on keys.cost_month = activity.cost_month
            and keys.cost_pool = activity.cost_pool
    left join labour_cost
        on keys.cost_month = labour_cost.cost_month
            and keys.cost_pool = labour_cost.cost_pool
    left join pool_names
        on keys.cost_pool = pool_names.cost_pool

)

select * from final
