{#-
    Queue statistics per 30-minute interval (business-local start hh:00 / hh:30) x queued
    channel (inbound_call, chat), with the components of every ratio. Only intervals
    with at least one contact of the channel have a row (no row = nothing offered).
-#}
{{ incremental_by_month(month_of('interval_date')) }}
with

interactions as (

    select
        channel,
        outcome,
        wait_seconds,
        interaction_date,
        {{ kpi_half_hour_start('started_at_local') }} as interval_start_local
    from {{ ref('fct_interactions') }}
    where channel in {{ kpi_channel_list('queued') }}
    {{ incremental_months_filter('interaction_month', 'and') }}

),

aggregated as (

    select
        interval_start_local,
        interaction_date as interval_date,
        channel,
        cast(count(*) as bigint) as offered,
        {{ kpi_queue_components() }}
    from interactions
    group by interval_start_local, interaction_date, channel

),

final as (

    select
        interval_start_local,
        interval_date,
        channel,
        offered,
        answered,
        abandoned,
        abandoned_known_wait_count,
        short_abandoned,
        asa_wait_seconds_sum,
        asa_answered_count,
        {{ safe_divide('asa_wait_seconds_sum', 'asa_answered_count') }} as asa_seconds,
        answered + abandoned as abandonment_denominator,
        {{ safe_divide('abandoned', 'answered + abandoned') }} as abandonment_rate,
        {{ kpi_sl_threshold('channel') }} as sl_threshold_seconds,
        sl_answered_within_threshold,
        sl_abandoned_after_threshold,
        sl_denominator,
        sl_unknown_wait_count,
        {{ safe_divide('sl_answered_within_threshold', 'sl_denominator') }} as service_level_rate
    from aggregated

)

select * from final
