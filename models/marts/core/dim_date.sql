{#- One row per business-calendar day, whole months from the first to the last date any mart carries (see _core__models.yml). -#}
with

-- the earliest and latest day of every date a mart carries: interactions (and the cohort, KPI and
-- repeat days derived from them), ticket solves, GL postings, WFM activity and survey responses
date_ranges as (

    select min(interaction_date) as min_date, max(interaction_date) as max_date
    from {{ ref('int_interactions__unioned') }}
    union all
    select
        min(cast({{ utc_to_business_time('solved_at_utc') }} as date)),
        max(cast({{ utc_to_business_time('solved_at_utc') }} as date))
    from {{ ref('int_interactions__unioned') }}
    union all
    select min(posting_date), max(posting_date)
    from {{ ref('stg_erp__gl_journal_lines') }}
    union all
    select min(activity_date), max(activity_date)
    from {{ ref('stg_wfm__agent_activity') }}
    union all
    select
        min(cast({{ utc_to_business_time('responded_at_utc') }} as date)),
        max(cast({{ utc_to_business_time('responded_at_utc') }} as date))
    from {{ ref('stg_surveys__responses') }}

),

-- whole months: every month key (cost_month, kpi_month, ...) is a day of the dimension
bounds as (

    select
        cast({{ dbt.date_trunc('month', 'min(min_date)') }} as date) as start_date,
        cast({{ dbt.dateadd('day', -1, dbt.dateadd('month', 1, dbt.date_trunc('month', 'max(max_date)'))) }} as date) as end_date
    from date_ranges

),

spine as (

    {{ date_spine('bounds', 'start_date', 'end_date') }}

),

parts as (

    select
        date_day,
        cast(extract(year from date_day) as {{ dbt.type_int() }}) as year,
        cast(extract(quarter from date_day) as {{ dbt.type_int() }}) as quarter,
        cast(extract(month from date_day) as {{ dbt.type_int() }}) as month_number,
        cast({{ dbt.date_trunc('month', 'date_day') }} as date) as month_start,
        cast({{ dbt.date_trunc('week', 'date_day') }} as date) as week_start
    from spine

),

final as (

    select
        date_day,
        year,
        quarter,
        month_start,
        case month_number
            when 1 then 'January' when 2 then 'February' when 3 then 'March'
            when 4 then 'April' when 5 then 'May' when 6 then 'June'
            when 7 then 'July' when 8 then 'August' when 9 then 'September'
            when 10 then 'October' when 11 then 'November' when 12 then 'December'
        end as month_name,
        week_start,
        cast({{ dbt.datediff('week_start', 'date_day', 'day') }} + 1 as {{ dbt.type_int() }}) as day_of_week,
        case {{ dbt.datediff('week_start', 'date_day', 'day') }}
            when 0 then 'Monday' when 1 then 'Tuesday' when 2 then 'Wednesday'
            when 3 then 'Thursday' when 4 then 'Friday' when 5 then 'Saturday'
            when 6 then 'Sunday'
        end as day_name,
        {{ dbt.datediff('week_start', 'date_day', 'day') }} >= 5 as is_weekend
    from parts

)

select * from final
