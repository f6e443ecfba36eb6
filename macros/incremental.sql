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
               month-level cost allocation needs. A model names the months it rebuilds once,
               in its config (`replace_partitions` of incremental_by_month); the same set
               empties its partitions and filters its inputs (rebuilt_months), so a month is
               never rebuilt from inputs read for another set of months.
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
                                    business-local month; the months named by `replace` (see
                                    replace_partitions_sql; default the refresh months) are
                                    rebuilt whole, and the model's input filters
                                    (incremental_months_filter, in_rebuilt_months) read the same
                                    set. Also makes the model depend on int_refresh__months. -#}
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

{#- The months the batch can change (one column, refresh_month). -#}
{% macro refresh_months() -%}
    select refresh_month from {{ ref('int_refresh__months') }}
{%- endmacro %}

{#- The months this month-partitioned model rebuilds (one column): the set its config names in
    `replace_partitions`, the one definition of both the partitions the build empties and the
    rows its inputs are filtered to. -#}
{% macro rebuilt_months() -%}
    {{ replace_partitions_sql(config.get('replace_partitions') or 'refresh_months') }}
{%- endmacro %}

{#- `<month_expr> in (the months this model rebuilds)`: the filter of a month-partitioned model's inputs. -#}
{% macro in_rebuilt_months(month_expr) -%}
    {{ month_expr }} in ({{ rebuilt_months() }})
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
                            'refresh_months', 'refresh_months_and_previous',
                            'refresh_months_and_kpi_grid', 'batch_files' or
                            'batch_files:<landing source>' (names, not SQL: a config is
                            rendered when the project is parsed, and by unit tests)
-#}
{% macro replace_partitions_sql(name) -%}
    {%- if name == 'refresh_months' -%}{{ refresh_months() }}
    {%- elif name == 'refresh_months_and_previous' -%}{{ refresh_months_and_previous() }}
    {%- elif name == 'refresh_months_and_kpi_grid' -%}{{ refresh_months_and_kpi_grid() }}
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
    {%- set replaced -%}
        select {{ partition }} from {{ temp }}
        {%- if extra %}
        union
        select * from ({{ replace_partitions_sql(extra) }}) as replaced
        {%- endif %}
    {%- endset -%}
    {{ record_replaced_partitions(replaced) }}
    delete from {{ target }}
    where {{ partition }} in ({{ replaced }});
    insert into {{ target }} ({{ columns }})
    select {{ columns }} from {{ temp }}
{%- endmacro %}

{#- The build file's record of what changed since the published file was written
    (orchestration/publish/delta.py; docs/decisions/performance.md P20):
      main.publish_changes  the partitions each incremental model replaced since then, one row
                            each (schema, table, partition as text); the publish copies those
      main.publish_basis    which published file they are changes of (written by the publish)
    Both are created by the pipeline (orchestration/build/plan.py prepare_build_file); a build
    file without them (dbt run by hand) records nothing, and its publish copies every table. -#}
{% macro record_replaced_partitions(partitions_sql) -%}
    {%- set changes = adapter.get_relation(database=this.database, schema='main', identifier='publish_changes') -%}
    {%- if changes is not none -%}
    insert into {{ changes }} (schema_name, table_name, partition_value)
    select distinct '{{ this.schema }}', '{{ this.identifier }}', cast(replaced_partition as {{ dbt.type_string() }})
    from ({{ partitions_sql }}) as replaced_partitions (replaced_partition);
    {%- endif -%}
{%- endmacro %}

{#- on-run-start: a full refresh run by hand (`dbt build --full-refresh` on the build file)
    recreates tables without recording their partitions, so the build file no longer says what
    changed since the published file: the next publish copies every table. (ccw's own full
    refresh starts from a new build file.) -#}
{% macro forget_publish_basis() -%}
    {%- if execute and flags.FULL_REFRESH -%}
        {%- set basis = adapter.get_relation(database=target.database, schema='main', identifier='publish_basis') -%}
        {%- if basis is not none -%}
            {%- do run_query('delete from ' ~ basis) -%}
        {%- endif -%}
    {%- endif -%}
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

{#- In an incremental build, `<keyword> <month_expr> in (the months this model rebuilds)`;
    nothing otherwise. The filter of a month-partitioned model's inputs (keyword 'and' after an
    existing where). -#}
{% macro incremental_months_filter(month_expr, keyword='where') -%}
    {%- if is_incremental() -%}
    {{ keyword }} {{ in_rebuilt_months(month_expr) }}
    {%- endif -%}
{%- endmacro %}

{#- The refresh months and the month before each: what a model keyed by the earlier contact of
    a repeat pair rebuilds when it also carries the later contact's cost (fct_repeat_contacts). -#}
{% macro refresh_months_and_previous() -%}
    select refresh_month from {{ ref('int_refresh__months') }}
    union
    select cast({{ dbt.dateadd('month', -1, 'refresh_month') }} as date) from {{ ref('int_refresh__months') }}
{%- endmacro %}

{#- The refresh months and the months of fct_channel_kpis_daily's day x channel grid that change
    though none of their records did. The grid spans the first to the last interaction day x
    every channel seen, and whether a day's repeat window is complete depends on the last day.
    So, besides the refresh months: every month of the old and the new span when the first day
    or the set of channels changed; otherwise the months from repeat_window_days before the
    earlier of the old and new last day to the later of them (days whose window completes, days
    added or removed at the end). Reads the model's previous rows ({{ this }}): it is used inside
    the model and by its incremental strategy, where `this` is the model. -#}
{% macro refresh_months_and_kpi_grid() -%}
    {%- set window = kpi_repeat_window_days() | int -%}
    with

    grid_new_bounds as (

        select min(interaction_date) as start_date, max(interaction_date) as end_date
        from {{ ref('fct_interactions') }}

    ),

    grid_old_bounds as (

        select min(kpi_date) as start_date, max(kpi_date) as end_date
        from {{ this }}

    ),

    grid_channel_changes as (

        select count(*) as changed
        from (
            (select distinct channel from {{ ref('fct_interactions') }} except select distinct channel from {{ this }})
            union all
            (select distinct channel from {{ this }} except select distinct channel from {{ ref('fct_interactions') }})
        ) as changes

    ),

    grid_rebuilt_span as (

        select
            case
                when old.start_date is null or new.start_date is null
                    or old.start_date <> new.start_date or grid_channel_changes.changed > 0
                    then case when old.start_date < new.start_date then old.start_date
                              else coalesce(new.start_date, old.start_date) end
                else {{ dbt.dateadd('day', -window,
                    'case when old.end_date < new.end_date then old.end_date else new.end_date end') }}
            end as start_date,
            case when old.end_date > new.end_date then old.end_date
                 else coalesce(new.end_date, old.end_date) end as end_date
        from grid_new_bounds as new
        cross join grid_old_bounds as old
        cross join grid_channel_changes

    ),

    grid_rebuilt_days as (

        {{ date_spine('grid_rebuilt_span') }}

    )

    select refresh_month from {{ ref('int_refresh__months') }}
    union
    select distinct {{ month_of('date_day') }} from grid_rebuilt_days
{%- endmacro %}
