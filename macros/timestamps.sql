{#-
    Landing timestamps (DATA_CONTRACT.md "Timestamps", docs/DECISIONS.md D4).

    landing_timestamp_utc(col): landing text -> naive UTC timestamp.
      - a value ending in `Z`/`z` or an offset `+HH:MM`, `+HHMM` or `+HH` (after a
        time of day) is an absolute instant;
      - any other value is wall-clock time in var('business_timezone');
        a date without time is midnight local;
      - unparseable -> null (the caller flags `unparseable_type`).
      DST (DuckDB/ICU behaviour, pinned by unit tests): a local time in the
      spring-forward gap is read with the offset before the change (02:30 on
      2026-03-08 in New York = 07:30 UTC); an ambiguous fall-back time is read
      as standard time (01:30 on 2026-11-01 = 06:30 UTC).

    utc_to_business_time(ts): naive UTC timestamp -> naive wall-clock time in
      var('business_timezone').

    future_cutoff(): run start (dbt's run_started_at, UTC) plus 1 day, as a
      naive UTC timestamp literal; a later timestamp/date is `future_timestamp`.

    earliest_plausible_date(): var('earliest_plausible_date') (CCW_EARLIEST_DATE, default
      2000-01-01) as a date literal; an earlier event timestamp/date is `implausible_date`.
      Together with future_cutoff() the plausible window of landing dates.
-#}

{% macro offset_suffix_regex() -%}
    '[0-9]:[0-9][0-9](:[0-9][0-9](\.[0-9]*)?)? ?([zZ]|[+-][0-9][0-9](:?[0-9][0-9])?)$'
{%- endmacro %}

{% macro landing_timestamp_utc(col) -%}
    {{ return(adapter.dispatch('landing_timestamp_utc')(col)) }}
{%- endmacro %}

{% macro default__landing_timestamp_utc(col) -%}
    {{ exceptions.raise_compiler_error("landing_timestamp_utc is not implemented for adapter " ~ adapter.type()) }}
{%- endmacro %}

{#- DuckDB: a value ending in Z is read by the plain (cheap, ICU-free) timestamp
    cast, which accepts the Z as UTC; other offsets go through timestamptz. -#}
{% macro duckdb__landing_timestamp_utc(col) -%}
    case
        when ends_with({{ col }}, 'Z') then try_cast({{ col }} as timestamp)
        when regexp_matches({{ col }}, {{ offset_suffix_regex() }})
            then timezone('UTC', try_cast({{ col }} as timestamptz))
        else timezone('UTC', timezone({{ sql_string(var('business_timezone')) }}, try_cast({{ col }} as timestamp)))
    end
{%- endmacro %}

{#- Spark (spark.sql.session.timeZone = UTC, as profiles.yml sets it): a value with an
    offset or Z is cast as it is; local wall-clock time goes through to_utc_timestamp,
    which reads the spring-forward gap as DuckDB does (02:30 -> 07:30 UTC) but an
    ambiguous fall-back time as daylight time (the first occurrence). When one hour
    later is the same wall-clock time, the time was ambiguous: take that later
    instant, standard time, as DuckDB/ICU does (docs/DECISIONS.md D10). -#}
{% macro spark__landing_timestamp_utc(col) -%}
    {%- set tz = sql_string(var('business_timezone')) -%}
    {%- set first = 'to_utc_timestamp(try_cast(' ~ col ~ ' as timestamp), ' ~ tz ~ ')' -%}
    case
        when {{ col }} rlike {{ offset_suffix_regex() }}
            then try_cast({{ col }} as timestamp)
        when from_utc_timestamp({{ first }} + interval 1 hour, {{ tz }}) = try_cast({{ col }} as timestamp)
            then {{ first }} + interval 1 hour
        else {{ first }}
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
