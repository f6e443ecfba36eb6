{#-
    One row per repeat contact pair: an earlier contact and "the repeat", the first later
    contact of the same customer on any channel within repeat_window_days days about the
    same reason (either reason unknown matches any). Definition in int_kpis__repeat_links
    and docs/decisions/kpis.md K6.
-#}
{#- Incremental by the month of the earlier contact: the refresh months (new or changed links)
    and the month before each (a repeat in a refresh month carries its re-allocated cost;
    docs/decisions/performance.md P4). -#}
{{ incremental_by_month('earlier_interaction_month', 'refresh_months_and_previous') }}
with

links as (

    select * from {{ ref('int_kpis__repeat_links') }}
    {{ incremental_months_filter('earlier_interaction_month') }}

),

-- allocated cost of the repeat (cost allocation): the cost of the duplicated effort
repeat_costs as (

    select
        interaction_id,
        total_cost_amount
    from {{ ref('fct_interactions') }}

),

final as (

    select
        earlier_interaction_id,
        repeat_interaction_id,
        customer_id,
        earlier_channel,
        repeat_channel,
        earlier_contact_reason,
        repeat_contact_reason,
        earlier_started_at_utc,
        repeat_started_at_utc,
        earlier_interaction_date,
        repeat_interaction_date,
        earlier_interaction_month,
        hours_between as repeat_after_hours,
        is_cross_channel,
        is_same_reason,
        repeat_costs.total_cost_amount as repeat_total_cost_amount,
        '{{ var("reporting_currency") }}' as currency
    from links
    left join repeat_costs
        on links.repeat_interaction_id = repeat_costs.interaction_id

)

select * from final
