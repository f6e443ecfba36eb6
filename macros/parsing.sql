{#-
    Typing of landing text (every raw column is VARCHAR). Each parser returns
    null for an empty/blank value and for a value it cannot read; the base
    models tell the two apart (`missing_required` vs `unparseable_type`).

    Values are NOT trimmed (trimming every value of 10M rows is measurable):
    ' 12' is an unparseable integer, ' ' a present string. A typed (non-text)
    value of spaces only is empty, as '' is: the checks (validation.sql) trim
    only a value its parser could not read.

    parse_text(col)      text, '' -> null
    parse_integer(col)   optional sign + digits only ('1.5', '1e3', '12.0', ' 12'
                         are unparseable: DuckDB's cast would round them silently)
    parse_decimal(col, precision=18, scale=4)
    parse_double(col)
    parse_date(col)      ISO date, YYYY-MM-DD only (landing_value_forms())
    parse_boolean(col)   case-insensitive true/false, t/f, 1/0, yes/no, y/n;
                         anything else -> null (unparseable)
    decimal_places(col)  the decimals a number's text carries, trailing zeros not
                         counted ('12.50' -> 1, '7' -> 0, '0.00004' -> 5): how
                         precise the value is, which the typed value (4 decimals)
                         no longer tells
    landing_try_cast(col, type)  cast returning null instead of failing.
                         (dbt.safe_cast is a plain, failing `cast` on
                         dbt-duckdb 1.11, so the DuckDB version uses try_cast.)
-#}

{% macro landing_try_cast(col, type) -%}
    {{ return(adapter.dispatch('landing_try_cast')(col, type)) }}
{%- endmacro %}

{% macro default__landing_try_cast(col, type) -%}
    {{ dbt.safe_cast(col, type) }}
{%- endmacro %}

{% macro duckdb__landing_try_cast(col, type) -%}
    try_cast({{ col }} as {{ type }})
{%- endmacro %}

{% macro spark__landing_try_cast(col, type) -%}
    try_cast({{ col }} as {{ type }})
{%- endmacro %}

{% macro parse_text(col) -%}
    nullif({{ col }}, '')
{%- endmacro %}

{% macro parse_integer(col) -%}
    {{ return(adapter.dispatch('parse_integer')(col)) }}
{%- endmacro %}

{% macro default__parse_integer(col) -%}
    {{ landing_try_cast(col, dbt.type_int()) }}
{%- endmacro %}

{% macro duckdb__parse_integer(col) -%}
    case when regexp_full_match({{ col }}, '[+-]?[0-9]+') then try_cast({{ col }} as integer) end
{%- endmacro %}

{% macro spark__parse_integer(col) -%}
    case when {{ col }} rlike '^[+-]?[0-9]+$' then try_cast({{ col }} as int) end
{%- endmacro %}

{% macro parse_decimal(col, precision=18, scale=4) -%}
    {{ landing_try_cast(col, 'decimal(' ~ precision ~ ',' ~ scale ~ ')') }}
{%- endmacro %}

{% macro decimal_places(col) -%}
    length(regexp_replace(regexp_extract({{ col }}, '[.]([0-9]+)', 1), '0+$', ''))
{%- endmacro %}

{% macro parse_double(col) -%}
    {{ landing_try_cast(col, 'double') }}
{%- endmacro %}

{#- only YYYY-MM-DD: the cast alone reads 2026/03/01, 2026-3-1 and 26-03-01 (year 26) -#}
{% macro parse_date(col) -%}
    case when {{ landing_value_matches(col, 'date') }} then {{ landing_try_cast(col, 'date') }} end
{%- endmacro %}

{% macro parse_boolean(col) -%}
    case
        when lower({{ col }}) in ('true', 't', '1', 'yes', 'y') then true
        when lower({{ col }}) in ('false', 'f', '0', 'no', 'n') then false
    end
{%- endmacro %}

{#- parse_landing_value(col, type): the parser of a contract type. -#}
{% macro parse_landing_value(col, type) -%}
    {%- if type == 'string' -%}{{ parse_text(col) }}
    {%- elif type == 'integer' -%}{{ parse_integer(col) }}
    {%- elif type == 'decimal' -%}{{ parse_decimal(col) }}
    {%- elif type == 'double' -%}{{ parse_double(col) }}
    {%- elif type == 'date' -%}{{ parse_date(col) }}
    {%- elif type == 'timestamp' -%}{{ landing_timestamp_utc(col) }}
    {%- elif type == 'boolean' -%}{{ parse_boolean(col) }}
    {%- else -%}{{ exceptions.raise_compiler_error("unknown contract type " ~ type) }}
    {%- endif -%}
{%- endmacro %}
