{#- Every staged GL line with its cost category, cost pool, scope and amount in the reporting currency. -#}
with

lines as (

    select * from {{ ref('stg_erp__gl_journal_lines') }}

),

accounts as (

    select
        cast(account_code as {{ dbt.type_string() }}) as account_code,
        cast(cost_category as {{ dbt.type_string() }}) as cost_category,
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
        centers.cost_center is not null as is_cost_center_mapped,
        centers.cost_pool,
        centers.pool_type
    from lines
    left join fx
        on lines.posting_month = fx.fx_month
            and lines.currency = fx.currency
    left join accounts
        on lines.account_code = accounts.account_code
    left join centers
        on lines.cost_center = centers.cost_center

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
        coalesce(cost_pool, 'unmapped') as cost_pool,
        coalesce(pool_type, 'unmapped') as pool_type,
        case
            when pool_type = 'out_of_scope' then 'out_of_scope_cost_center'
            when is_account_mapped and not is_in_scope_account then 'out_of_scope_account'
            when not is_account_mapped and not is_cost_center_mapped then 'account_and_cost_center_not_mapped'
            when not is_account_mapped then 'account_not_mapped'
            when not is_cost_center_mapped then 'cost_center_not_mapped'
            else 'in_scope'
        end as scope_status
    from joined

)

select
    final.*,
    final.scope_status not in ('out_of_scope_cost_center', 'out_of_scope_account') as is_in_scope
from final
