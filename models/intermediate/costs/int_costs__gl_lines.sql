{#- Every staged GL line with its cost category, cost pool, scope and amount in the reporting currency.
    A line without a cost center takes its account's default_cost_pool (account_mapping); without
    one it is in scope and unallocated (no_cost_center), never dropped. -#}
with

lines as (

    select * from {{ ref('stg_erp__gl_journal_lines') }}

),

accounts as (

    select
        cast(account_code as {{ dbt.type_string() }}) as account_code,
        cast(cost_category as {{ dbt.type_string() }}) as cost_category,
        cast(default_cost_pool as {{ dbt.type_string() }}) as default_cost_pool,
        -- in_scope may be typed boolean or text by the seed: compare as text
        lower(cast(in_scope as {{ dbt.type_string() }})) in ('true', '1', 't', 'yes') as is_in_scope_account
    from {{ ref('account_mapping') }}

),

centers as (

    select
        cost_center,
        cost_pool,
        pool_type
    from {{ ref('cost_centers') }}

),

pools as (

    -- the pool type of each cost pool, for a default pool (the configuration check keeps it known)
    select
        cost_pool,
        min(pool_type) as pool_type
    from {{ ref('cost_centers') }}
    group by cost_pool

),

fx as (

    select
        cast(month as date) as fx_month,
        cast(currency as {{ dbt.type_string() }}) as currency,
        cast(rate_to_reporting as decimal(18, 8)) as rate_to_reporting
    from {{ ref('fx_rates') }}

),

joined as (

    select
        lines.journal_id,
        lines.line_number,
        lines.posting_date,
        lines.posting_month,
        lines.account_code,
        lines.cost_center,
        lines.currency,
        lines.amount,
        -- staging quarantines a non-reporting currency without a rate (rule unknown_currency)
        case
            when lines.currency = '{{ var("reporting_currency") }}' then cast(1 as decimal(18, 8))
            else fx.rate_to_reporting
        end as fx_rate,
        accounts.account_code is not null as is_account_mapped,
        accounts.is_in_scope_account,
        accounts.cost_category,
        lines.cost_center is null as is_without_cost_center,
        coalesce(centers.cost_center, pools.cost_pool) is not null as has_cost_pool,
        coalesce(centers.cost_pool, pools.cost_pool) as cost_pool,
        coalesce(centers.pool_type, pools.pool_type) as pool_type
    from lines
    left join fx
        on lines.posting_month = fx.fx_month
            and lines.currency = fx.currency
    left join accounts
        on lines.account_code = accounts.account_code
    left join centers
        on lines.cost_center = centers.cost_center
    left join pools
        on lines.cost_center is null
            and accounts.default_cost_pool = pools.cost_pool

),

final as (

    select
        journal_id,
        line_number,
        posting_date,
        posting_month,
        account_code,
        cost_center,
        currency,
        amount,
        fx_rate,
        {{ cost_money('round(' ~ cost_convert('amount', 'fx_rate') ~ ', 2)') }} as amount_reporting,
        coalesce(cost_category, 'unmapped') as cost_category,
        -- 'no_cost_center' keeps such lines apart from those of an unknown cost center
        coalesce(cost_pool, case when is_without_cost_center then 'no_cost_center' else 'unmapped' end) as cost_pool,
        coalesce(pool_type, 'unmapped') as pool_type,
        case
            when pool_type = 'out_of_scope' then 'out_of_scope_cost_center'
            when is_account_mapped and not is_in_scope_account then 'out_of_scope_account'
            when not is_account_mapped and not has_cost_pool and not is_without_cost_center
                then 'account_and_cost_center_not_mapped'
            when not is_account_mapped then 'account_not_mapped'
            when not has_cost_pool and is_without_cost_center then 'no_cost_center'
            when not has_cost_pool then 'cost_center_not_mapped'
            else 'in_scope'
        end as scope_status
    from joined

)

select
    final.*,
    final.scope_status not in ('out_of_scope_cost_center', 'out_of_scope_account') as is_in_scope
from final
