{#- Month x customer: what serving each known customer cost, with segment and geography (anonymous contacts are in fct_cost_to_serve_segments_monthly). -#}
{{ incremental_by_month('cost_month') }}
with

interactions as (

    select * from {{ ref('int_interactions__costs') }}
    where customer_id is not null
    {{ incremental_months_filter('cost_month', 'and') }}

),

customers as (

    select
        customer_id,
        segment,
        geography,
        country
    from {{ ref('stg_crm__customers') }}

),

by_customer as (

    select
        cost_month,
        customer_id,
        count(*) as interactions,
        {{ kpi_count_if('is_assisted') }} as assisted_interactions,
        {{ kpi_count_if('not coalesce(is_assisted, false)') }} as unassisted_interactions,
        sum(labour_cost) as labour_cost,
        sum(platform_cost) as platform_cost,
        sum(overhead_cost) as overhead_cost,
        sum(total_cost) as total_cost
    from interactions
    group by cost_month, customer_id

)

select
    by_customer.cost_month,
    by_customer.customer_id,
    coalesce(customers.segment, 'unknown') as segment,
    coalesce(customers.geography, 'unknown') as geography,
    customers.country,
    by_customer.interactions,
    by_customer.assisted_interactions,
    by_customer.unassisted_interactions,
    {{ cost_money('by_customer.labour_cost', 6) }} as labour_cost_amount,
    {{ cost_money('by_customer.platform_cost', 6) }} as platform_cost_amount,
    {{ cost_money('by_customer.overhead_cost', 6) }} as overhead_cost_amount,
    {{ cost_money('by_customer.total_cost', 6) }} as total_cost_amount,
    '{{ var("reporting_currency") }}' as currency,
    {{ cost_ratio('by_customer.total_cost', 'by_customer.interactions', 4) }} as cost_per_interaction_amount
from by_customer
left join customers
    on by_customer.customer_id = customers.customer_id
