{#- Month x contact reason x channel: volumes and allocated cost ('unknown' = no reason recorded). -#}
{{ incremental_by_month('cost_month') }}
with

grouped as (

    select
        cost_month,
        contact_reason,
        channel,
        count(*) as interactions,
        {{ kpi_count_if('is_handled') }} as handled_interactions,
        {{ kpi_count_if('is_resolved') }} as resolved_interactions,
        sum(handle_minutes) as handle_minutes,
        sum(labour_cost) as labour_cost,
        sum(platform_cost) as platform_cost,
        sum(overhead_cost) as overhead_cost,
        sum(total_cost) as total_cost
    from {{ ref('int_interactions__costs') }}
    {{ incremental_months_filter('cost_month') }}
    group by cost_month, contact_reason, channel

)

select
    cost_month,
    contact_reason,
    channel,
    interactions,
    handled_interactions,
    resolved_interactions,
    cast(handle_minutes as decimal(18, 6)) as handle_minutes,
    {{ cost_money('labour_cost', 6) }} as labour_cost_amount,
    {{ cost_money('platform_cost', 6) }} as platform_cost_amount,
    {{ cost_money('overhead_cost', 6) }} as overhead_cost_amount,
    {{ cost_money('total_cost', 6) }} as total_cost_amount,
    '{{ var("reporting_currency") }}' as currency,
    {{ cost_ratio('total_cost', 'interactions', 4) }} as cost_per_interaction_amount,
    {{ cost_ratio('total_cost', 'resolved_interactions', 4) }} as cost_per_resolved_contact_amount
from grouped
