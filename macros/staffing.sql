{#-
    Macros of the staffing model and the scenarios (models/intermediate/staffing,
    models/marts/staffing; docs/decisions/staffing.md). Portable SQL only (DuckDB and
    Spark): no recursion, no lgamma, no generate_series; numbers come from numbers_table().

    Vars (dbt_project.yml):
      service_level_target_call [0.80]  share of inbound calls to answer within T (kpi_sl_threshold)
      service_level_target_chat [0.80]  likewise for agent chats
      paid_hours_per_fte_month  [173.33] paid hours of one full-time equivalent in a month
-#}

{#- Seconds in a staffing interval (the 30-minute intervals of fct_queue_kpis_30min). -#}
{% macro staffing_interval_seconds() -%}1800{%- endmacro %}

{#- Service-level target of a queued channel (null elsewhere): the share of contacts to answer within T. -#}
{% macro staffing_sl_target(channel_col) -%}
    cast(case {{ channel_col }}
        when 'inbound_call' then {{ var('service_level_target_call', 0.80) }}
        when 'chat' then {{ var('service_level_target_chat', 0.80) }}
    end as {{ type_double() }})
{%- endmacro %}

{% macro staffing_paid_hours_per_fte_month() -%}{{ var('paid_hours_per_fte_month', 173.33) }}{%- endmacro %}

{#- ISO day of week (Monday 1 .. Sunday 7) of a date or timestamp, portably (dim_date's rule). -#}
{% macro staffing_iso_day_of_week(ts) -%}
    ({{ dbt.datediff(dbt.date_trunc('week', ts), ts, 'day') }} + 1)
{%- endmacro %}

{#- Minutes since local midnight of a timestamp. -#}
{% macro staffing_minute_of_day(ts) -%}
    (cast(extract(hour from {{ ts }}) as {{ dbt.type_int() }}) * 60 + cast(extract(minute from {{ ts }}) as {{ dbt.type_int() }}))
{%- endmacro %}

{#-
    erlang_c_staffing(name, relation, keys, digits=4)

    Emits CTEs (`<name>_rows`, `<name>_terms`, `<name>_agents`, `<name>`; follow it with a
    comma unless it is the last CTE). `<name>` has one row per row of `relation` with
    traffic_erlangs > 0: the `keys` columns, then
      required_agents             the smallest N > A whose service level reaches the target
      wait_probability            C(N, A) at required_agents
      expected_service_level      SL(N) at required_agents (>= sl_target)
      expected_asa_seconds        C(N, A) * AHT / (N - A) at required_agents
      given_service_level         SL at given_agents (fractional: linear between the two whole
                                  numbers around it; 0 when given_agents <= A, the queue never empties);
                                  null when given_agents is null
    `relation` (a CTE name) has the keys and:
      traffic_erlangs       A = offered contacts x AHT / interval seconds (Erlangs)
      aht_seconds           average handle time (agent time per contact; chat: divided by concurrency)
      sl_threshold_seconds  T
      sl_target             the share to answer within T (0 < target < 1)
      given_agents          an agent count to evaluate (double, may be null)

    Erlang C (M/M/N: Poisson arrivals, exponential handle times, no abandonment), N agents, A < N:
        C(N, A) = [A^N / N! * N / (N - A)] / [sum_{k=0}^{N-1} A^k / k! + A^N / N! * N / (N - A)]
        SL(N)   = 1 - C(N, A) * exp(-(N - A) * T / AHT)
    Both sums are multiplied by e^-A, so every term is a Poisson probability
        p_k = exp(-A + k ln A - ln k!),  ln k! = sum_{j=1}^{k} ln j (a running sum over the numbers)
    and nothing overflows whatever A (A^k / k! alone overflows a double from A = 710 on).
    For each row, k runs from k_lo = max(0, floor(A - 10 sqrt(A) - 10)) (the Poisson mass below
    is under e^-50, nothing a double keeps) to k_hi = max(ceil(A + 4 sqrt(A) + 6), floor(given) + 1)
    (square-root staffing: A + 4 sqrt(A) + 6 agents meet a 99.99% target at T = 0, checked for
    A from 0.001 to 9,000; a laxer target or T > 0 needs fewer); the sum of p_k over k < N is
    a running sum. SL(N) rises with N, so the SL, wait probability and ASA at the required N
    are the min / max over the N that meet the target. The numbers stop at 10^digits - 1:
    with digits = 4, A up to about 9,500 Erlangs in one interval (required_agents is null
    beyond; fct_staffing_30min tests that it never is).
-#}
{% macro erlang_c_staffing(name, relation, keys, digits=4) -%}
    {%- set key_list = keys | join(', ') -%}
    {%- set dbl = type_double() -%}
    {%- set k_hi -%}
        least({{ 10 ** digits - 1 }}, greatest(
            ceil(traffic_erlangs + 4 * sqrt(traffic_erlangs) + 6),
            coalesce(floor(given_agents) + 1, 0)))
    {%- endset -%}
    {%- set k_lo -%}
        greatest(0, floor(traffic_erlangs - 10 * sqrt(traffic_erlangs) - 10))
    {%- endset -%}
{{ name }}_rows as {{ materialized_cte() }} (

    select
        {{ key_list }},
        -- one integer per row: the arithmetic below carries it instead of the keys
        row_number() over (order by {{ key_list }}) as erlang_row,
        cast(traffic_erlangs as {{ dbl }}) as traffic_erlangs,
        cast(aht_seconds as {{ dbl }}) as aht_seconds,
        cast(sl_threshold_seconds as {{ dbl }}) as sl_threshold_seconds,
        cast(sl_target as {{ dbl }}) as sl_target,
        cast(given_agents as {{ dbl }}) as given_agents,
        cast(floor(given_agents) as bigint) as given_floor,
        cast({{ k_lo }} as bigint) as k_lo,
        cast({{ k_hi }} as bigint) as k_hi
    from {{ relation }}
    where traffic_erlangs > 0

),

{{ name }}_terms as (

    select
        erlang_row,
        k,
        given_floor,
        sl_target,
        wait_probability,
        1 - wait_probability * exp(-(k - traffic_erlangs) * sl_threshold_seconds / aht_seconds) as service_level,
        wait_probability * aht_seconds / (k - traffic_erlangs) as asa_seconds
    from (
    select
        candidates.*,
        -- Erlang C from the Poisson terms: x = p_N * N / (N - A), C = x / (F(N-1) + x)
        candidates.poisson_term * candidates.k / (candidates.k - candidates.traffic_erlangs)
            / (candidates.cumulative_below
               + candidates.poisson_term * candidates.k / (candidates.k - candidates.traffic_erlangs))
            as wait_probability
    from (
        select
            poisson.*,
            -- running sum up to k minus the k-th term: F(k - 1)
            sum(poisson.poisson_term) over (
                partition by poisson.erlang_row
                order by poisson.k
                rows between unbounded preceding and current row
            ) - poisson.poisson_term as cumulative_below
        from (
            select
                rows_.erlang_row,
                rows_.traffic_erlangs,
                rows_.aht_seconds,
                rows_.sl_threshold_seconds,
                rows_.sl_target,
                rows_.given_floor,
                rows_.k_lo + offsets.day_offset as k,
                exp(-rows_.traffic_erlangs
                    + (rows_.k_lo + offsets.day_offset) * ln(rows_.traffic_erlangs)
                    - log_factorials.ln_factorial) as poisson_term
            from {{ name }}_rows as rows_
            cross join (
                select day_offset
                from ({{ numbers_table(digits) }}) as numbers
                where day_offset <= (select max(k_hi - k_lo) from {{ name }}_rows)
            ) as offsets
            inner join (
                select
                    day_offset as k,
                    sum(ln(cast(greatest(day_offset, 1) as {{ dbl }}))) over (
                        order by day_offset rows between unbounded preceding and current row
                    ) as ln_factorial
                from ({{ numbers_table(digits) }}) as numbers
            ) as log_factorials
                on log_factorials.k = rows_.k_lo + offsets.day_offset
            where offsets.day_offset <= rows_.k_hi - rows_.k_lo
        ) as poisson
    ) as candidates
    -- N <= A: the queue never empties (no Erlang C); the running sum needed those terms, nothing else does
    where candidates.k > candidates.traffic_erlangs
    ) as erlang_c

),

{{ name }}_agents as (

    select
        erlang_row,
        cast(min(case when service_level >= sl_target then k end) as {{ dbt.type_int() }}) as required_agents,
        max(case when service_level >= sl_target then wait_probability end) as wait_probability,
        min(case when service_level >= sl_target then service_level end) as expected_service_level,
        max(case when service_level >= sl_target then asa_seconds end) as expected_asa_seconds,
        coalesce(max(case when k = given_floor then service_level end), 0) as given_floor_service_level,
        coalesce(max(case when k = given_floor + 1 then service_level end), 0) as given_ceiling_service_level
    from {{ name }}_terms
    group by erlang_row

),

{{ name }} as (

    select
        {% for key in keys %}rows_.{{ key }},
        {% endfor -%}
        agents.required_agents,
        agents.wait_probability,
        agents.expected_service_level,
        agents.expected_asa_seconds,
        case when rows_.given_agents is not null then
            agents.given_floor_service_level
            + (rows_.given_agents - rows_.given_floor)
            * (agents.given_ceiling_service_level - agents.given_floor_service_level)
        end as given_service_level
    from {{ name }}_rows as rows_
    inner join {{ name }}_agents as agents
        on agents.erlang_row = rows_.erlang_row

)
{%- endmacro %}

{#- Minutes since midnight of an `HH:MM` text on a half-hour, 00:00 to 24:00; null when malformed. -#}
{% macro staffing_time_minutes(col) -%}
    {%- set hours = dbt.safe_cast('substring(' ~ col ~ ', 1, 2)', dbt.type_int()) -%}
    case
        when length({{ col }}) = 5
            and substring({{ col }}, 3, 1) = ':'
            and substring({{ col }}, 4, 2) in ('00', '30')
            and {{ hours }} between 0 and 23
            then {{ hours }} * 60 + case when substring({{ col }}, 4, 2) = '30' then 30 else 0 end
        when {{ col }} = '24:00' then 1440
    end
{%- endmacro %}

{#- Three-letter English name of an ISO day of week (1 = mon), as scenarios.weekdays spells it. -#}
{% macro staffing_day_name(day_of_week) -%}
    case {{ day_of_week }}
        when 1 then 'mon' when 2 then 'tue' when 3 then 'wed' when 4 then 'thu'
        when 5 then 'fri' when 6 then 'sat' when 7 then 'sun'
    end
{%- endmacro %}

{#-
    Whether a contact row (alias c: interval_day_of_week, interval_minute_of_day, channel, queue,
    contact_reason) is selected by a scenario's filters (alias s). `with_time` false ignores the
    weekday and time window (the rest of the filter).
-#}
{% macro scenario_selects(s, c, with_time=true) -%}
    ({{ s }}.channel = {{ c }}.channel
    and ({{ s }}.queue is null or {{ s }}.queue = {{ c }}.queue)
    and ({{ s }}.contact_reason is null or {{ s }}.contact_reason = {{ c }}.contact_reason)
    {%- if with_time %}
    and {{ scenario_in_window(s, c) }}
    {%- endif %})
{%- endmacro %}

{#- Whether a contact row's interval is in a scenario's weekdays and time window (empty = always);
    a window whose end is before its start runs over midnight. -#}
{% macro scenario_in_window(s, c) -%}
    ((({{ s }}.weekdays is null
        or {{ dbt.position(staffing_day_name(c ~ '.interval_day_of_week'), s ~ '.weekdays') }} > 0)
    and ({{ s }}.from_minute is null
        or ({{ s }}.from_minute < {{ s }}.to_minute
            and {{ c }}.interval_minute_of_day >= {{ s }}.from_minute
            and {{ c }}.interval_minute_of_day < {{ s }}.to_minute)
        or ({{ s }}.from_minute > {{ s }}.to_minute
            and ({{ c }}.interval_minute_of_day >= {{ s }}.from_minute
                 or {{ c }}.interval_minute_of_day < {{ s }}.to_minute)))))
{%- endmacro %}
