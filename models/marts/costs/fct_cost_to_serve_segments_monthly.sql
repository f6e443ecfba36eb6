{#- Month x customer segment x geography: cost to serve, every interaction included (anonymous contacts as segment 'anonymous'). -#}
{{ incremental_by_month('cost_month') }}
with

interactions as (

    select * from {{ ref('int_interactions__costs') }}
    {{ incremental_months_filter('cost_month') }}

),

customers as (

    select
        customer_id,
        segment,
        geography
    from {{ ref('stg_crm__customers') }}

),

classified as (

    select
        interactions.cost_month,
        interactions.customer_id,
        interactions.is_assisted,
        interactions.total_cost,
        interactions.labour_cost,
        interactions.platform_cost,
        interactions.overhead_cost,
        case
            when interactions.customer_id is null then 'anonymous'
            else coalesce(customers.segment, 'unknown')
        end as segment,
        case
            when interactions.customer_id is null then 'anonymous'
            else coalesce(customers.geography, 'unknown')
        end as geography
    from interactions
    left join customers
        on interactions.customer_id = customers.customer_id

),

grouped as (

    select
        cost_month,
        segment,
        geography,
        count(distinct customer_id) as customers,
        count(*) as interactions,
        {{ kpi_count_if('is_assisted') }} as assisted_interactions,
        sum(labour_cost) as labour_cost,
        sum(platform_cost) as platform_cost,
        sum(overhead_cost) as overhead_cost,
        sum(total_cost) as total_cost
    from classified
    group by cost_month, segment, geography

)

select
    cost_month,
    segment,
    geography,
    customers,
    interactions,
    assisted_interactions,
    {{ cost_money('labour_cost', 6) }} as labour_cost_amount,
    {{ cost_money('platform_cost', 6) }} as platform_cost_amount,
    {{ cost_money('overhead_cost', 6) }} as overhead_cost_amount,
    {{ cost_money('total_cost', 6) }} as total_cost_amount,
    '{{ var("reporting_currency") }}' as currency,
    {{ cost_ratio('total_cost', 'interactions', 4) }} as cost_per_interaction_amount,
    {{ cost_ratio('total_cost', 'customers', 4) }} as cost_per_customer_amount
from grouped
