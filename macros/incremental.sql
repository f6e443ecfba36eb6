{#-
    Incremental builds (docs/decisions/performance.md, P1-P8).

    The batch of a build is the landing files loaded after the last successful
    build (orchestration/build/plan.py keeps `built_load_id` in the raw file):
      base_*   incremental by landing file: the batch's files are typed again, nothing else
      stg_*    incremental by record key: every version of a key delivered in the batch is
               ranked again (latest updated_at, else latest file, wins)
      the interaction, cost and KPI models downstream are incremental by business-local
               month: int_refresh__months lists the months the batch can change (with the
               repeat-contact look-back), and those months are rebuilt whole, which is what
               month-level cost allocation needs.
    A full refresh (`ccw run --full-refresh`, or whenever orchestration/build/plan.py
    decides one) ignores all of this: is_incremental() is false.

    Only portable SQL here; the strategies are chosen per adapter (ccw_incremental_strategy),
    and so is whether a model is built incrementally at all (ccw_incremental_materialization).
-#}

{#- The materialization of every incremental model (`materialized=ccw_incremental_materialization()`):
      'incremental'  where the adapter has the strategies of ccw_incremental_strategy (DuckDB)
      'table'        on Spark (docs/decisions/spark.md S4): Parquet tables have neither MERGE nor
                     delete, so the model is rebuilt whole on every run; is_incremental() is then
                     false, the full-history branch runs and nothing reads the ccw_state sources.
    With Delta or Iceberg on Spark, spark__ would return 'incremental' (and the strategies
    'merge' / 'insert_overwrite' of default__ccw_incremental_strategy apply). -#}
{% macro ccw_incremental_materialization() -%}
    {{ return(adapter.dispatch('ccw_incremental_materialization')()) }}
{%- endmacro %}

{% macro default__ccw_incremental_materialization() -%}
    {{ return('incremental') }}
{%- endmacro %}

{% macro spark__ccw_incremental_materialization() -%}
    {{ return('table') }}
{%- endmacro %}

{#- The config of the three kinds of incremental model (the module comment above), called at
    the top of a model as `{{ incremental_by_file('chats') }}` and so on; one place for what
    every model of a kind shares.
      incremental_by_file(source)   base_*: a row's partition is its landing file, the batch's
                                    files of `source` are replaced (source none: every batch file)
      incremental_by_key(key)       stg_*: merge by record key (a column or a list)
      incremental_by_month(expr, replace)
                                    month-partitioned models downstream: `expr` is a row's
                                    business-local month; the refresh months (`replace`, see
                                    replace_partitions_sql) are rebuilt whole. Also makes the
                                    model depend on int_refresh__months, which its filters read. -#}
{% macro incremental_by_file(source_name, partition_expression='_file_name') -%}
    {{ config(
        materialized=ccw_incremental_materialization(),
        incremental_strategy=ccw_incremental_strategy('partitions'),
        partition_expression=partition_expression,
        replace_partitions='batch_files' ~ (':' ~ source_name if source_name else ''),
        on_schema_change='fail',
    ) }}
{%- endmacro %}

{% macro incremental_by_key(unique_key) -%}
    {{ config(
        materialized=ccw_incremental_materialization(),
        incremental_strategy=ccw_incremental_strategy('key'),
        unique_key=unique_key,
        on_schema_change='fail',
    ) }}
{%- endmacro %}

{% macro incremental_by_month(partition_expression, replace_partitions='refresh_months') -%}
    {{ config(
        materialized=ccw_incremental_materialization(),
        incremental_strategy=ccw_incremental_strategy('partitions'),
        partition_expression=partition_expression,
        replace_partitions=replace_partitions,
        on_schema_change='fail',
    ) }}
    {%- do ref('int_refresh__months') -%}
{%- endmacro %}

{#- Whether this dbt invocation builds incrementally: not a full refresh, on an adapter whose
    incremental models are incremental. int_refresh__months is empty otherwise. -#}
{% macro ccw_builds_incrementally() -%}
    {{ return(not flags.FULL_REFRESH and ccw_incremental_materialization() == 'incremental') }}
{%- endmacro %}

{#- The files of the batch (one column, file_name), optionally of one landing source. -#}
{% macro batch_files(source_name=none) -%}
    select file_name
    from {{ source('ccw_state', 'landing_files') }}
    where rule is null
      and load_id > (select max(built_load_id) from {{ source('ccw_state', 'build_state') }})
      {%- if source_name %}
      and source = '{{ source_name }}'
      {%- endif %}
{%- endmacro %}

{#- `where`/`and` filter of a base model's landing rows to the batch's files. -#}
{% macro batch_file_filter(column='_file_name', source_name=none) -%}
    {{ column }} in ({{ batch_files(source_name) }})
{%- endmacro %}

{#- The months to rebuild in an incremental build (one column, refresh_month). -#}
{% macro refresh_months() -%}
    select refresh_month from {{ ref('int_refresh__months') }}
{%- endmacro %}

{#- `<month_expr> in (refresh months)`: the filter of a month-partitioned model's inputs. -#}
{% macro in_refresh_months(month_expr) -%}
    {{ month_expr }} in ({{ refresh_months() }})
{%- endmacro %}

{#- The incremental strategy of a kind of model on this adapter:
      'key'        replace the rows of the keys in the new data (unique_key)
      'partitions' replace whole partitions: those in the new data and those the model
                   names in `replace_partitions` (a partition may have become empty) -#}
{% macro ccw_incremental_strategy(kind) -%}
    {{ return(adapter.dispatch('ccw_incremental_strategy')(kind)) }}
{%- endmacro %}

{% macro default__ccw_incremental_strategy(kind) -%}
    {{ return({'key': 'merge', 'partitions': 'insert_overwrite'}[kind]) }}
{%- endmacro %}

{% macro duckdb__ccw_incremental_strategy(kind) -%}
    {{ return({'key': 'delete+insert', 'partitions': 'replace_partitions'}[kind]) }}
{%- endmacro %}

{#-
    Custom strategy `replace_partitions` (dbt looks up get_incremental_<strategy>_sql).
    Model config:
      partition_expression  SQL expression of a row's partition (e.g. interaction_month)
      replace_partitions    partitions to empty even when the new data has no row in them:
                            'refresh_months', 'refresh_months_and_previous', 'batch_files'
                            or 'batch_files:<landing source>' (names, not SQL: a config is
                            rendered when the project is parsed, and by unit tests)
-#}
{% macro replace_partitions_sql(name) -%}
    {%- if name == 'refresh_months' -%}{{ refresh_months() }}
    {%- elif name == 'refresh_months_and_previous' -%}{{ refresh_months_and_previous() }}
    {%- elif name == 'batch_files' -%}{{ batch_files() }}
    {%- elif name.startswith('batch_files:') -%}{{ batch_files(name.split(':')[1]) }}
    {%- else -%}{{ exceptions.raise_compiler_error("unknown replace_partitions '" ~ name ~ "'") }}
    {%- endif -%}
{%- endmacro %}

{% macro get_incremental_replace_partitions_sql(arg_dict) -%}
    {{ return(adapter.dispatch('get_incremental_replace_partitions_sql')(arg_dict)) }}
{%- endmacro %}

{% macro default__get_incremental_replace_partitions_sql(arg_dict) -%}
    {%- set target = arg_dict['target_relation'] -%}
    {%- set temp = arg_dict['temp_relation'] -%}
    {%- set columns = get_quoted_csv(arg_dict['dest_columns'] | map(attribute='name')) -%}
    {%- set partition = config.require('partition_expression') -%}
    {%- set extra = config.get('replace_partitions') -%}
    delete from {{ target }}
    where {{ partition }} in (
        select {{ partition }} from {{ temp }}
        {%- if extra %}
        union
        select * from ({{ replace_partitions_sql(extra) }}) as replaced
        {%- endif %}
    );
    insert into {{ target }} ({{ columns }})
    select {{ columns }} from {{ temp }}
{%- endmacro %}

{#- The rows of the keys (columns `keys`) that a batch file delivered a version of:
    a filter on a staging model's input (`relation` = its base model). -#}
{% macro batch_keys_filter(relation, keys) -%}
    ({{ keys | join(', ') }}) in (
        select {{ keys | join(', ') }}
        from {{ relation }}
        where {{ batch_file_filter() }}
    )
{%- endmacro %}

{#- One text per combination of attribute values (null-safe): versions that agree have the same. -#}
{% macro ccw_attribute_fingerprint(columns, alias) -%}
    {%- set parts = [] -%}
    {%- for c in columns -%}
        {%- do parts.append("coalesce(cast(" ~ alias ~ "." ~ c ~ " as " ~ dbt.type_string() ~ "), '<null>')") -%}
        {%- if not loop.last %}{% do parts.append("'|'") %}{% endif -%}
    {%- endfor -%}
    {{ dbt.concat(parts) }}
{%- endmacro %}

{#- The business-local month (first day, a date) of a local date or timestamp column. -#}
{% macro month_of(column) -%}
    cast({{ dbt.date_trunc('month', column) }} as date)
{%- endmacro %}

{#- In an incremental build, `<keyword> <month_expr> in (refresh months)`; nothing otherwise.
    The filter of a month-partitioned model's inputs (keyword 'and' after an existing where). -#}
{% macro incremental_months_filter(month_expr, keyword='where') -%}
    {%- if is_incremental() -%}
    {{ keyword }} {{ in_refresh_months(month_expr) }}
    {%- endif -%}
{%- endmacro %}

{#- The refresh months and the month before each: what a model keyed by the earlier contact of
    a repeat pair rebuilds when it also carries the later contact's cost (fct_repeat_contacts). -#}
{% macro refresh_months_and_previous() -%}
    select refresh_month from {{ ref('int_refresh__months') }}
    union
    select cast({{ dbt.dateadd('month', -1, 'refresh_month') }} as date) from {{ ref('int_refresh__months') }}
{%- endmacro %}
