{#-
    Repeat contacts rolled up per month (of the earlier contact) x channel pair
    (earlier channel -> repeat channel), with each pair's share of the month's repeats
    and the month's share of repeats that cross channels.
-#}
with

repeats as (

    select * from {{ ref('fct_repeat_contacts') }}

),

pairs as (

    select
        earlier_interaction_month as repeat_month,
        earlier_channel,
        repeat_channel,
        is_cross_channel,
        cast(count(*) as bigint) as repeats,
        sum(repeat_after_hours) as repeat_after_hours_sum,
        {{ cost_money('sum(repeat_total_cost_amount)', 6) }} as repeat_total_cost_amount
    from repeats
    group by earlier_interaction_month, earlier_channel, repeat_channel, is_cross_channel

),

months as (

    select
        repeat_month,
        {{ kpi_sum_int('repeats') }} as month_repeats,
        {{ kpi_sum_if('is_cross_channel', 'repeats', 'bigint') }} as month_cross_channel_repeats
    from pairs
    group by repeat_month

),

final as (

    select
        pairs.repeat_month,
        pairs.earlier_channel,
        pairs.repeat_channel,
        pairs.is_cross_channel,
        pairs.repeats,
        pairs.repeat_after_hours_sum,
        {{ safe_divide('pairs.repeat_after_hours_sum', 'pairs.repeats') }} as avg_repeat_after_hours,
        pairs.repeat_total_cost_amount,
        '{{ var("reporting_currency") }}' as currency,
        months.month_repeats,
        {{ safe_divide('pairs.repeats', 'months.month_repeats') }} as month_repeats_share,
        months.month_cross_channel_repeats,
        {{ safe_divide('months.month_cross_channel_repeats', 'months.month_repeats') }} as month_cross_channel_share
    from pairs
    inner join months
        on pairs.repeat_month = months.repeat_month

)

select * from final
