{#- One row per interaction: its allocated labour, platform and overhead cost (reporting currency, 6 decimals) and
    the attributes the cost marts group by. -#}
{{ incremental_by_month('cost_month') }}
with

activity as (

    select * from {{ ref('int_costs__interaction_activity') }}
    {{ incremental_months_filter('cost_month') }}

),

allocation as (

    select * from {{ ref('int_costs__interaction_allocation') }}
    {{ incremental_months_filter('cost_month') }}

),

by_type as (

    select
        interaction_id,
        sum(case when pool_type = 'labour' then allocated_cost else 0 end) as labour_cost,
        sum(case when pool_type = 'platform' then allocated_cost else 0 end) as platform_cost,
        sum(case when pool_type = 'overhead' then allocated_cost else 0 end) as overhead_cost
    from allocation
    group by interaction_id

),

final as (

    select
        activity.interaction_id,
        activity.cost_month,
        activity.interaction_date,
        activity.channel,
        activity.is_assisted,
        activity.customer_id,
        activity.contact_reason,
        activity.agent_id,
        activity.labour_cost_pool,
        activity.is_handled,
        activity.is_resolved,
        activity.handle_time_basis,
        activity.handle_minutes,
        activity.productive_handle_minutes,
        activity.estimated_productive_handle_minutes,
        activity.usage_minutes,
        activity.estimated_usage_minutes,
        {{ cost_money('coalesce(by_type.labour_cost, 0)', 6) }} as labour_cost,
        {{ cost_money('coalesce(by_type.platform_cost, 0)', 6) }} as platform_cost,
        {{ cost_money('coalesce(by_type.overhead_cost, 0)', 6) }} as overhead_cost
    from activity
    left join by_type
        on activity.interaction_id = by_type.interaction_id

)

select
    final.*,
    {{ cost_money('labour_cost + platform_cost + overhead_cost', 6) }} as total_cost
from final
