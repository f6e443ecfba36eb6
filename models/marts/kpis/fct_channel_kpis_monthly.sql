{#-
    Contact-center KPIs per business-local month x channel, recomputed from the summed
    daily components of fct_channel_kpis_daily (never an average of daily ratios).
-#}
with

daily as (

    select * from {{ ref('fct_channel_kpis_daily') }}

),

summed as (

    select
        cast({{ dbt.date_trunc('month', 'kpi_date') }} as date) as kpi_month,
        channel,
        max(sl_threshold_seconds) as sl_threshold_seconds,
        cast(count(*) as bigint) as days_covered,
        min(case when is_repeat_window_complete then 1 else 0 end) = 1 as is_repeat_window_complete,
        {%- for column in kpi_channel_component_columns() %}
        {{ kpi_sum_int(column) }} as {{ column }}{% if not loop.last %},{% endif %}
        {%- endfor %}
    from daily
    group by {{ dbt.date_trunc('month', 'kpi_date') }}, channel

),

final as (

    select
        kpi_month,
        channel,
        days_covered,
        is_repeat_window_complete,
        {{ kpi_ratio_columns() }}
    from summed

)

select * from final
