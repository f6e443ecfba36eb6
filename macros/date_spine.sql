{#-
    Portable date spine (no generate_series / range / sequence: the same SQL
    runs on DuckDB and Spark).

    numbers_table(digits): `select day_offset` with day_offset = 0 .. 10^digits - 1,
      a cross join of `digits` copies of the ten digits.

    date_spine(bounds, start_column='start_date', end_column='end_date', digits=5):
      one row per day (column `date_day`, type date) from bounds.start_column
      to bounds.end_column inclusive. `bounds` is a relation or CTE name with
      ONE row; null bounds give no rows. The span is capped at 10^digits days
      (default 100,000 days, about 273 years); days beyond the cap are not
      generated, so a test on the dimension's coverage catches it.
-#}

{% macro numbers_table(digits=5) -%}
    {%- set digit_values -%}
        select 0 as n union all select 1 union all select 2 union all select 3 union all select 4
        union all select 5 union all select 6 union all select 7 union all select 8 union all select 9
    {%- endset -%}
    select
        {% for i in range(digits) -%}
        d{{ i }}.n * {{ 10 ** i }}{% if not loop.last %} + {% endif %}
        {%- endfor %} as day_offset
    from ({{ digit_values }}) as d0
    {%- for i in range(1, digits) %}
    cross join ({{ digit_values }}) as d{{ i }}
    {%- endfor %}
{%- endmacro %}

{% macro date_spine(bounds, start_column='start_date', end_column='end_date', digits=5) -%}
    select
        cast({{ dbt.dateadd('day', 'numbers.day_offset', bounds ~ '.' ~ start_column) }} as date) as date_day
    from {{ bounds }}
    cross join ({{ numbers_table(digits) }}) as numbers
    where numbers.day_offset <= {{ dbt.datediff(bounds ~ '.' ~ start_column, bounds ~ '.' ~ end_column, 'day') }}
{%- endmacro %}
