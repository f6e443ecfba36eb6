{#- The cost base: in-scope GL by posting month, cost pool and cost category, in the reporting currency, with its
    driver. -#}
with

lines as (

    select * from {{ ref('int_costs__gl_lines') }}
    where is_in_scope

),

drivers as (

    select * from {{ ref('allocation_drivers') }}

),

base as (

    select
        posting_month as cost_month,
        cost_pool,
        pool_type,
        cost_category,
        -- one status per group: 'unmapped' pool <=> cost center unknown, 'no_cost_center' pool <=> none and no
        -- default pool, 'unmapped' category <=> account unknown
        max(scope_status) as scope_status,
        {{ cost_money('sum(amount_reporting)') }} as amount,
        count(*) as gl_lines
    from lines
    group by posting_month, cost_pool, pool_type, cost_category

),

unmapped_codes as (

    select distinct
        posting_month as cost_month,
        cost_pool,
        cost_category,
        case scope_status
            when 'account_not_mapped' then {{ dbt.concat(["'account '", 'account_code']) }}
            when 'cost_center_not_mapped' then {{ dbt.concat(["'cost center '", 'cost_center']) }}
            when 'no_cost_center' then {{ dbt.concat(["'account '", 'account_code', "' without cost center'"]) }}
            else {{ dbt.concat(["'account '", 'account_code', "' on cost center '", 'cost_center']) }}
        end as code
    from lines
    where scope_status <> 'in_scope'

),

unmapped_detail as (

    select
        cost_month,
        cost_pool,
        cost_category,
        {{ dbt.listagg('code', "', '", 'order by code') }} as unmapped_detail
    from unmapped_codes
    group by cost_month, cost_pool, cost_category

),

-- most specific driver row: named pool beats '*', then named category beats '*'
driver_candidates as (

    select
        base.cost_month,
        base.cost_pool,
        base.cost_category,
        drivers.driver,
        row_number() over (
            partition by base.cost_month, base.cost_pool, base.cost_category
            order by
                case when drivers.cost_pool = '*' then 0 else 2 end
                + case when drivers.cost_category = '*' then 0 else 1 end desc
        ) as specificity_rank
    from base
    inner join drivers
        on base.pool_type = drivers.pool_type
            and (base.cost_pool = drivers.cost_pool or drivers.cost_pool = '*')
            and (base.cost_category = drivers.cost_category or drivers.cost_category = '*')

)

select
    base.cost_month,
    base.cost_pool,
    base.pool_type,
    base.cost_category,
    base.amount,
    base.gl_lines,
    base.scope_status,
    unmapped_detail.unmapped_detail,
    driver_candidates.driver
from base
left join driver_candidates
    on base.cost_month = driver_candidates.cost_month
        and base.cost_pool = driver_candidates.cost_pool
        and base.cost_category = driver_candidates.cost_category
        and driver_candidates.specificity_rank = 1
left join unmapped_detail
    on base.cost_month = unmapped_detail.cost_month
        and base.cost_pool = unmapped_detail.cost_pool
        and base.cost_category = unmapped_detail.cost_category
