{#-
    Landing timestamps (DATA_CONTRACT.md "Timestamps", docs/DECISIONS.md D4, D17).

    landing_timestamp_utc(col): landing text -> naive UTC timestamp. The accepted forms are the
    contract's (landing_value_forms(), from landing_contract.yml value_forms):
      - local_timestamp (a date, or a date and time, without a zone): wall-clock time in
        var('business_timezone'); a date without time is midnight local;
      - zoned_timestamp (a date and time with Z, UTC or an offset +HH:MM, +HHMM, +HH): the
        date and time less the offset;
      - anything else -> null (the caller flags `unparseable_type`): a zone name (`EST`,
        `America/Chicago`) or `+00:00:00` is never read with its suffix ignored.
      DST (DuckDB/ICU behaviour, pinned by unit tests): a local time in the
      spring-forward gap is read with the offset before the change (02:30 on
      2026-03-08 in New York = 07:30 UTC); an ambiguous fall-back time is read
      as standard time (01:30 on 2026-11-01 = 06:30 UTC).

    landing_value_matches(col, form): the value is entirely in that form of landing_value_forms().
    zone_offset_minutes(col): the offset of a zoned value in minutes east of UTC (0 for Z, UTC).

    utc_to_business_time(ts): naive UTC timestamp -> naive wall-clock time in
      var('business_timezone').

    future_cutoff(): run start (dbt's run_started_at, UTC) plus 1 day, as a
      naive UTC timestamp literal; a later timestamp/date is `future_timestamp`.

    earliest_plausible_date(): var('earliest_plausible_date') (CCW_EARLIEST_DATE, default
      2000-01-01) as a date literal; an earlier event timestamp/date is `implausible_date`.
      Together with future_cutoff() the plausible window of landing dates.
-#}

{% macro landing_value_matches(col, form) -%}
    {{ return(adapter.dispatch('landing_value_matches')(col, landing_value_forms()[form])) }}
{%- endmacro %}

{% macro default__landing_value_matches(col, pattern) -%}
    regexp_like({{ col }}, {{ sql_string('^(' ~ pattern ~ ')$') }})
{%- endmacro %}

{% macro duckdb__landing_value_matches(col, pattern) -%}
    regexp_full_match({{ col }}, {{ sql_string(pattern) }})
{%- endmacro %}

{% macro spark__landing_value_matches(col, pattern) -%}
    {{ col }} rlike {{ sql_string('^(' ~ pattern ~ ')$') }}
{%- endmacro %}

{#- regexp_extract(text, pattern, group) is the same function on DuckDB and Spark -#}
{% macro zone_offset_minutes(col) -%}
    {%- set offset = sql_string(landing_value_forms()['zone_offset']) -%}
    coalesce(
        case when regexp_extract({{ col }}, {{ offset }}, 1) = '-' then -1 else 1 end
        * (cast(nullif(regexp_extract({{ col }}, {{ offset }}, 2), '') as int) * 60
           + coalesce(cast(nullif(regexp_extract({{ col }}, {{ offset }}, 3), '') as int), 0)),
        0)
{%- endmacro %}

{#- the date and time of a zoned value, read as a naive timestamp, less its offset -#}
{% macro zoned_timestamp_utc(col) -%}
    {{ minus_minutes(
        landing_try_cast("regexp_extract(" ~ col ~ ", " ~ sql_string('^' ~ landing_value_forms()['local_timestamp']) ~ ", 0)", 'timestamp'),
        zone_offset_minutes(col)) }}
{%- endmacro %}

{% macro minus_minutes(ts, minutes) -%}
    {{ return(adapter.dispatch('minus_minutes')(ts, minutes)) }}
{%- endmacro %}

{% macro default__minus_minutes(ts, minutes) -%}
    {{ dbt.dateadd('minute', '-(' ~ minutes ~ ')', ts) }}
{%- endmacro %}

{% macro duckdb__minus_minutes(ts, minutes) -%}
    ({{ ts }} - to_minutes(cast({{ minutes }} as bigint)))
{%- endmacro %}

{#- timestampadd keeps the microseconds (dbt-spark's dateadd goes through whole unix seconds) -#}
{% macro spark__minus_minutes(ts, minutes) -%}
    timestampadd(MINUTE, -({{ minutes }}), {{ ts }})
{%- endmacro %}

{% macro landing_timestamp_utc(col) -%}
    {{ return(adapter.dispatch('landing_timestamp_utc')(col)) }}
{%- endmacro %}

{% macro default__landing_timestamp_utc(col) -%}
    {{ exceptions.raise_compiler_error("landing_timestamp_utc is not implemented for adapter " ~ adapter.type()) }}
{%- endmacro %}

{#- A zoned value DuckDB's own timestamptz cast reads (ISO 8601 with Z or a numeric offset, the
    common form) takes that cast, one parse instead of four regular expressions; the forms it does
    not read (a space before the zone, z, UTC) go through zoned_timestamp_utc. Where the cast
    reads a value it gives the same instant as zoned_timestamp_utc (docs/decisions/performance.md
    P19; unit test base_telephony__calls_timestamp_forms_east_of_utc). -#}
{% macro duckdb__landing_timestamp_utc(col) -%}
    case
        when {{ landing_value_matches(col, 'local_timestamp') }}
            then timezone('UTC', timezone({{ sql_string(var('business_timezone')) }}, try_cast({{ col }} as timestamp)))
        when {{ landing_value_matches(col, 'zoned_timestamp') }}
            then coalesce(timezone('UTC', try_cast({{ col }} as timestamptz)), {{ zoned_timestamp_utc(col) }})
    end
{%- endmacro %}

{#- Spark (spark.sql.session.timeZone = UTC, as profiles.yml sets it): local wall-clock time
    goes through to_utc_timestamp, which reads the spring-forward gap as DuckDB does (02:30 ->
    07:30 UTC) but an ambiguous fall-back time as daylight time (the first occurrence). When one
    hour later is the same wall-clock time, the time was ambiguous: take that later instant,
    standard time, as DuckDB/ICU does (docs/DECISIONS.md D10). -#}
{% macro spark__landing_timestamp_utc(col) -%}
    {%- set tz = sql_string(var('business_timezone')) -%}
    {%- set first = 'to_utc_timestamp(try_cast(' ~ col ~ ' as timestamp), ' ~ tz ~ ')' -%}
    case
        when {{ landing_value_matches(col, 'local_timestamp') }} then
            case
                when from_utc_timestamp({{ first }} + interval 1 hour, {{ tz }}) = try_cast({{ col }} as timestamp)
                    then {{ first }} + interval 1 hour
                else {{ first }}
            end
        when {{ landing_value_matches(col, 'zoned_timestamp') }}
            then {{ zoned_timestamp_utc(col) }}
    end
{%- endmacro %}


{% macro utc_to_business_time(ts) -%}
    {{ return(adapter.dispatch('utc_to_business_time')(ts)) }}
{%- endmacro %}

{% macro default__utc_to_business_time(ts) -%}
    {{ exceptions.raise_compiler_error("utc_to_business_time is not implemented for adapter " ~ adapter.type()) }}
{%- endmacro %}

{% macro duckdb__utc_to_business_time(ts) -%}
    timezone({{ sql_string(var('business_timezone')) }}, timezone('UTC', {{ ts }}))
{%- endmacro %}

{% macro spark__utc_to_business_time(ts) -%}
    from_utc_timestamp({{ ts }}, {{ sql_string(var('business_timezone')) }})
{%- endmacro %}


{% macro future_cutoff() -%}
    {{ dbt.dateadd('day', 1, "cast('" ~ run_started_at.strftime('%Y-%m-%d %H:%M:%S') ~ "' as " ~ dbt.type_timestamp() ~ ")") }}
{%- endmacro %}


{% macro earliest_plausible_date() -%}
    {%- set value = var('earliest_plausible_date', '2000-01-01') | string -%}
    {%- if not modules.re.fullmatch('[0-9]{4}-[0-9]{2}-[0-9]{2}', value) -%}
        {{ exceptions.raise_compiler_error("CCW_EARLIEST_DATE = '" ~ value ~ "' is not a date: set it to the first plausible day of your exports as YYYY-MM-DD (default 2000-01-01), or unset it") }}
    {%- endif -%}
    cast('{{ value }}' as date)
{%- endmacro %}
