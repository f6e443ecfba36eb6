{#-
    Macros of the cost allocation (models/intermediate/costs, models/marts/costs;
    docs/decisions/cost_allocation.md).

    Money is decimal everywhere. The only non-decimal arithmetic is the share
    weight / total weight of an allocation, which is computed in double and then
    turned into whole units (cents or millionths) by a largest-remainder step, so
    every split sums back to its total exactly whatever the floating-point error
    of the share.
-#}

{#- Money of the reporting currency at a given scale: decimal(18, scale). -#}
{% macro cost_money(expr, scale=2) -%}
    cast({{ expr }} as decimal(18, {{ scale }}))
{%- endmacro %}

{#- decimal amount -> whole units of 10^-scale (bigint); the amount must already have at most `scale` decimals. -#}
{% macro cost_to_units(amount, scale) -%}
    cast(round(cast({{ amount }} as decimal(38, {{ scale }})) * {{ 10 ** scale }}, 0) as bigint)
{%- endmacro %}

{#- whole units of 10^-scale -> decimal(18, scale), exactly (decimal multiplication, no division). -#}
{% macro cost_from_units(units, scale) -%}
    {%- set unit = '0.' ~ ('0' * (scale - 1)) ~ '1' -%}
    cast(cast({{ units }} as decimal(38, 0)) * cast({{ unit }} as decimal(38, {{ scale }})) as decimal(18, {{ scale }}))
{%- endmacro %}

{#- num / den rounded to `scale` decimals as decimal(18, scale); null when den is 0 or null.
    DuckDB divides decimals in double, Spark in decimal: the explicit double and the
    final cast give both engines the same type. For ratios shown to people, never
    for amounts that must add up. -#}
{% macro cost_ratio(num, den, scale=4) -%}
    cast(round(cast({{ num }} as {{ type_double() }}) / cast(nullif({{ den }}, 0) as {{ type_double() }}), {{ scale }}) as decimal(18, {{ scale }}))
{%- endmacro %}

{#- The quantity of driver `driver` (an SQL expression giving the driver code) on a
    row of pool activity with the four driver columns (alias `a`). -#}
{% macro cost_driver_quantity(driver, a) -%}
    case {{ driver }}
        when 'productive_handle_minutes' then {{ a }}.productive_handle_minutes
        when 'handled_interactions' then {{ a }}.handled_interactions
        when 'usage_minutes' then {{ a }}.usage_minutes
        when 'interactions' then {{ a }}.interactions
    end
{%- endmacro %}

{#-
    cost_largest_remainder(name, source, partition_by, total_units, weight, order_by)
    Emits two CTEs, `<name>_floored` and `<name>`, splitting the integer `total_units`
    (the same value on every row of a partition) over the rows of the partition in
    proportion to `weight` (>= 0, partition sum > 0). `<name>` is `source` plus
    `allocated_units` (bigint):
      1. floor(total * weight / sum(weight)) per row,
      2. the units still missing (total - sum of floors, normally 0 <= d < rows) go
         one each to the rows with the largest fractional remainders (ties: order_by);
         a negative d (float error) takes one unit from the smallest remainders.
    The units of a partition sum to total_units exactly, by construction.
    Write `with ... , {{ cost_largest_remainder(...) }}, next_cte as (...)`.
-#}
{% macro cost_largest_remainder(name, source, partition_by, total_units, weight, order_by) -%}
{%- set part = partition_by | join(', ') -%}
{{ name }}_floored as (

    select
        {{ source }}.*,
        cast({{ total_units }} as {{ type_double() }})
            * cast({{ weight }} as {{ type_double() }})
            / cast(sum({{ weight }}) over (partition by {{ part }}) as {{ type_double() }}) as _exact_units
    from {{ source }}

),

{{ name }}_ranked as (

    select
        {{ name }}_floored.*,
        cast(floor(_exact_units) as bigint) as _floor_units,
        _exact_units - floor(_exact_units) as _remainder
    from {{ name }}_floored

),

{{ name }}_deficit as (

    select
        {{ name }}_ranked.*,
        cast({{ total_units }} as bigint) - sum(_floor_units) over (partition by {{ part }}) as _missing_units,
        row_number() over (partition by {{ part }} order by _remainder desc, {{ order_by }}) as _rank_largest,
        row_number() over (partition by {{ part }} order by _remainder asc, {{ order_by }}) as _rank_smallest
    from {{ name }}_ranked

),

{{ name }} as (

    select
        {{ name }}_deficit.*,
        _floor_units
            + case
                when _missing_units > 0 and _rank_largest <= _missing_units then 1
                when _missing_units < 0 and _rank_smallest <= -_missing_units then -1
                else 0
            end as allocated_units
    from {{ name }}_deficit

)
{%- endmacro %}
