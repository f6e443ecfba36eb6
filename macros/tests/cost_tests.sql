{#- Generic tests of the cost allocation (no dbt_utils: the package hub is out of reach). -#}

{#- allocation_drivers: each pool type accepts only its own drivers. -#}
{% test cost_driver_fits_pool_type(model) %}

select *
from {{ model }}
where not (
    (pool_type = 'labour' and driver in ('productive_handle_minutes', 'handled_interactions'))
    or (pool_type = 'platform' and driver in ('usage_minutes', 'interactions'))
    or (pool_type = 'overhead' and driver in ('labour_cost_share', 'fte_share'))
)

{% endtest %}


{#-
    GL lines whose account (kind='account_code') or cost center (kind='cost_center') is not
    in the mappings; one failing row per code, naming it, with its lines and amount.
    Used with severity warn: the cost is reported as unallocated, the build goes on.
-#}
{% test cost_gl_mapping_complete(model, kind) %}

{%- set statuses = {
    'account_code': "('account_not_mapped', 'account_and_cost_center_not_mapped')",
    'cost_center': "('cost_center_not_mapped', 'account_and_cost_center_not_mapped')"} -%}
select
    {{ kind }} as unmapped_{{ kind }},
    count(*) as gl_lines,
    sum(amount_reporting) as amount_reporting
from {{ model }}
where scope_status in {{ statuses[kind] }}
group by {{ kind }}

{% endtest %}


{#-
    The reconciliation invariant (docs/DOMAIN.md, step 5): for every month, the sum
    of `amount_column` over `model` (plus, when add_unallocated, the unallocated rows
    of int_costs__channel_allocation) equals the in-scope GL total in the reporting
    currency, to the cent. The GL side is recomputed here from staging and the seeds,
    independently of the models: each line converted at its posting month's rate and
    rounded to the cent; in scope unless its cost center (for a line without one: its
    account's default_cost_pool) is mapped `out_of_scope` or its account is mapped
    in_scope = false (unmapped codes stay in scope).
    Fails with one row per month that differs.
-#}
{% test cost_reconciles_with_gl(model, month_column, amount_column, add_unallocated=false) %}

with

gl as (

    select
        lines.posting_month as cost_month,
        round(cast(lines.amount as decimal(19, 4)) * case
            when lines.currency = '{{ var("reporting_currency") }}' then cast(1 as decimal(18, 8))
            else cast(fx.rate_to_reporting as decimal(18, 8))
        end, 2) as amount
    from {{ ref('stg_erp__gl_journal_lines') }} as lines
    left join {{ ref('fx_rates') }} as fx
        on cast(fx.month as date) = lines.posting_month
        and cast(fx.currency as {{ dbt.type_string() }}) = lines.currency
    left join {{ ref('account_mapping') }} as accounts
        on cast(accounts.account_code as {{ dbt.type_string() }}) = lines.account_code
    left join {{ ref('cost_centers') }} as centers
        on centers.cost_center = lines.cost_center
    left join (
        select cost_pool, min(pool_type) as pool_type from {{ ref('cost_centers') }} group by cost_pool
    ) as default_pools
        on lines.cost_center is null
        and default_pools.cost_pool = cast(accounts.default_cost_pool as {{ dbt.type_string() }})
    where coalesce(centers.pool_type, default_pools.pool_type, '') <> 'out_of_scope'
      and coalesce(cast(accounts.in_scope as {{ dbt.type_string() }}), 'true') not in ('false', 'False', 'FALSE', '0')

),

gl_months as (

    select cost_month, sum(amount) as gl_total
    from gl
    group by cost_month

),

model_rows as (

    -- one explicit type: a union of decimals of two scales may round the finer one (DuckDB)
    select {{ month_column }} as cost_month, cast({{ amount_column }} as decimal(38, 6)) as amount
    from {{ model }}
    {%- if add_unallocated %}
    union all
    select cost_month, cast(allocated_amount as decimal(38, 6)) as amount
    from {{ ref('int_costs__channel_allocation') }}
    where channel = 'unallocated'
    {%- endif %}

),

model_months as (

    select cost_month, sum(amount) as model_total
    from model_rows
    group by cost_month

)

select
    coalesce(gl_months.cost_month, model_months.cost_month) as cost_month,
    gl_months.gl_total,
    model_months.model_total
from gl_months
full outer join model_months
    on gl_months.cost_month = model_months.cost_month
where round(coalesce(model_months.model_total, 0), 2) <> coalesce(gl_months.gl_total, 0)

{% endtest %}


{#-
    Step 4 loses nothing: for every month, channel and cost pool, the interactions'
    allocated cost (model int_costs__interaction_allocation) sums exactly to the
    channel's allocated amount. Fails with the differing (month, channel, pool).
-#}
{% test cost_interactions_sum_to_channels(model) %}

with

channels as (

    select cost_month, channel, cost_pool, sum(allocated_amount) as channel_amount
    from {{ ref('int_costs__channel_allocation') }}
    where channel <> 'unallocated'
    group by cost_month, channel, cost_pool

),

interactions as (

    select cost_month, channel, cost_pool, sum(allocated_cost) as interaction_amount
    from {{ model }}
    group by cost_month, channel, cost_pool

)

select
    coalesce(channels.cost_month, interactions.cost_month) as cost_month,
    coalesce(channels.channel, interactions.channel) as channel,
    coalesce(channels.cost_pool, interactions.cost_pool) as cost_pool,
    channels.channel_amount,
    interactions.interaction_amount
from channels
full outer join interactions
    on channels.cost_month = interactions.cost_month
    and channels.channel = interactions.channel
    and channels.cost_pool = interactions.cost_pool
where coalesce(channels.channel_amount, 0) <> coalesce(interactions.interaction_amount, 0)

{% endtest %}
