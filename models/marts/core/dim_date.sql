{#- One row per business-calendar day from the first to the last interaction or GL posting date (see _core__models.yml). -#}
with

interaction_dates as (

    select
        min(interaction_date) as min_date,
        max(interaction_date) as max_date
    from {{ ref('int_interactions__unioned') }}

),

posting_dates as (

    select
        min(posting_date) as min_date,
        max(posting_date) as max_date
    from {{ ref('stg_erp__gl_journal_lines') }}

),

bounds as (

    select
        case
            when posting_dates.min_date is null or interaction_dates.min_date <= posting_dates.min_date
                then coalesce(interaction_dates.min_date, posting_dates.min_date)
            else posting_dates.min_date
        end as start_date,
        case
            when posting_dates.max_date is null or interaction_dates.max_date >= posting_dates.max_date
                then coalesce(interaction_dates.max_date, posting_dates.max_date)
            else posting_dates.max_date
        end as end_date
    from interaction_dates
    cross join posting_dates

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
