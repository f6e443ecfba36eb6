{#-
    Macros of the cost allocation (models/intermediate/costs, models/marts/costs;
    docs/decisions/cost_allocation.md).

    Money is decimal everywhere. The only non-decimal arithmetic is the share
    weight / total weight of an allocation, which is computed in double and then
    turned into whole units (cents or millionths) by a largest-remainder step, so
    every split sums back to its total exactly whatever the floating-point error
    of the share.
-#}

{#- Money of the reporting currency at a given scale: decimal(32 + scale, scale), so cents are
    decimal(34, 2) and millionths decimal(38, 6) (docs/decisions/cost_allocation.md C9). Not 18
    digits: a ledger line may reach 10^13 and a month's pool more, above 10^12 at 6 decimals.
    The same 32 integer digits at every scale: where DuckDB unifies two decimals (union, case,
    coalesce) it keeps the larger integer part first, so decimal(38, 6) with decimal(38, 2)
    would be rounded to cents; with equal integer parts the 6 decimals stay. -#}
{% macro cost_money(expr, scale=2) -%}
    cast({{ expr }} as decimal({{ 32 + scale }}, {{ scale }}))
{%- endmacro %}

{#- A ledger amount (decimal(18, 4), staging) times its fx rate (decimal(18, 8)), exactly: the
    amount widened first (decimal(18, 4) x decimal(18, 8) is a decimal(18, 12) on DuckDB, which
    overflows from 10^6), to a precision Spark keeps all 12 decimals in (19 + 18 < 38). -#}
{% macro cost_convert(amount, rate) -%}
    cast({{ amount }} as decimal(19, 4)) * {{ rate }}
{%- endmacro %}

{#- decimal amount -> whole units of 10^-scale (decimal(38, 0): 10^13 in millionths is above
    bigint); the amount must already have at most `scale` decimals. -#}
{% macro cost_to_units(amount, scale) -%}
    cast(round(cast({{ amount }} as decimal(38, {{ scale }})) * {{ 10 ** scale }}, 0) as decimal(38, 0))
{%- endmacro %}

{#- whole units of 10^-scale -> money at `scale` decimals, exactly (decimal multiplication, no division). -#}
{% macro cost_from_units(units, scale) -%}
    {%- set unit = '0.' ~ ('0' * (scale - 1)) ~ '1' -%}
    {{ cost_money('cast(' ~ units ~ ' as decimal(38, 0)) * cast(' ~ unit ~ ' as decimal(38, ' ~ scale ~ '))', scale) }}
{%- endmacro %}

{#- num / den rounded to `scale` decimals as decimal(24, scale); null when den is 0 or null.
    DuckDB divides decimals in double, Spark in decimal: the explicit double and the
    final cast give both engines the same type. For ratios shown to people, never
    for amounts that must add up. 24 digits: a unit cost of a 10^13 pool still fits at 6
    decimals (a double carries about 16 significant digits of it). -#}
{% macro cost_ratio(num, den, scale=4) -%}
    cast(round(cast({{ num }} as {{ type_double() }}) / cast(nullif({{ den }}, 0) as {{ type_double() }}), {{ scale }}) as decimal(24, {{ scale }}))
{%- endmacro %}

{#- Seconds (any numeric expression) as minutes, decimal(18, 6): the driver quantities' type. -#}
{% macro cost_seconds_to_minutes(seconds) -%}
    cast(round(cast({{ seconds }} as {{ type_double() }}) / 60, 6) as decimal(18, 6))
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

{#- The estimated part of the driver quantity (cost_driver_quantity) of a row of pool activity:
    the minute drivers carry their estimated minutes (C10); counts are never estimated. -#}
{% macro cost_estimated_driver_quantity(driver, a) -%}
    case {{ driver }}
        when 'productive_handle_minutes' then {{ a }}.estimated_productive_handle_minutes
        when 'usage_minutes' then {{ a }}.estimated_usage_minutes
        else 0
    end
{%- endmacro %}

{#- floor of a double as decimal(38, 0). Spark's floor returns a bigint, which cannot hold 10^19;
    a double of 2^52 or more is a whole number already. -#}
{% macro cost_floor(x) -%}
    cast(case when abs({{ x }}) < 4503599627370496 then floor({{ x }}) else {{ x }} end as decimal(38, 0))
{%- endmacro %}

{#-
    cost_largest_remainder(name, source, partition_by, total_units, weight, order_by)
    Emits CTEs ending in `<name>`, splitting the integer `total_units` (the same value on
    every row of a partition) over the rows of the partition in proportion to `weight`
    (>= 0, partition sum > 0). `<name>` is `source` plus `allocated_units` (decimal(38, 0)):
      1. floor(total * weight / sum(weight)) per row (in double),
      2. the units still missing, d = total - sum of floors, normally 0 <= d < rows, go
         one each to the rows with the largest fractional remainders (ties: order_by);
         a negative d (float error) takes one unit from the smallest remainders. When the
         total is so large that the float error reaches a row's count (10^13 in millionths
         is 10^19 units, where a double is exact to about 2,000), every row first takes
         d / rows (truncated) and the rest goes one by one as above.
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
        {{ cost_floor('_exact_units') }} as _floor_units,
        _exact_units - cast({{ cost_floor('_exact_units') }} as {{ type_double() }}) as _remainder
    from {{ name }}_floored

),

{{ name }}_deficit as (

    select
        {{ name }}_ranked.*,
        cast({{ total_units }} as decimal(38, 0)) - sum(_floor_units) over (partition by {{ part }}) as _missing_units,
        count(*) over (partition by {{ part }}) as _rows,
        row_number() over (partition by {{ part }} order by _remainder desc, {{ order_by }}) as _rank_largest,
        row_number() over (partition by {{ part }} order by _remainder asc, {{ order_by }}) as _rank_smallest
    from {{ name }}_ranked

),

{{ name }}_spread as (

    -- d / rows truncated towards zero for every row (0 unless the float error reached the row count)
    select
        {{ name }}_deficit.*,
        cast(case
            when _missing_units >= 0 then floor(cast(_missing_units as {{ type_double() }}) / _rows)
            else -floor(cast(-_missing_units as {{ type_double() }}) / _rows)
        end as decimal(38, 0)) as _units_each
    from {{ name }}_deficit

),

{{ name }} as (

    select
        {{ name }}_spread.*,
        _floor_units + _units_each
            + case
                when _missing_units - _units_each * _rows > 0
                    and _rank_largest <= _missing_units - _units_each * _rows then 1
                when _missing_units - _units_each * _rows < 0
                    and _rank_smallest <= _units_each * _rows - _missing_units then -1
                else 0
            end as allocated_units
    from {{ name }}_spread

)
{%- endmacro %}
