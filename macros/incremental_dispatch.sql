{#-
    The incremental strategy is where DuckDB and Spark differ most
    (docs/decisions/spark.md, S4). dbt-duckdb deletes and re-inserts by key;
    dbt-spark on Parquet tables (no Delta/Iceberg jars here) can only append or
    overwrite whole partitions, which would silently drop the rows a run does not
    re-select. An incremental model states its config through these macros:

        {{ config(materialized=ccw_incremental_materialization(),
                  incremental_strategy=ccw_incremental_strategy(), unique_key=...) }}

    DuckDB: incremental, delete+insert. Spark: a table rebuilt on every run
    (is_incremental() is then false, so the model's full-history branch runs):
    correct results, no incremental speed-up until a table format with MERGE is
    available (set file_format delta/iceberg and override the spark__ versions).
-#}
{% macro ccw_incremental_materialization() -%}
    {{ return(adapter.dispatch('ccw_incremental_materialization')()) }}
{%- endmacro %}

{% macro default__ccw_incremental_materialization() -%}
    {{ return('incremental') }}
{%- endmacro %}

{% macro spark__ccw_incremental_materialization() -%}
    {{ return('table') }}
{%- endmacro %}

{% macro ccw_incremental_strategy() -%}
    {{ return(adapter.dispatch('ccw_incremental_strategy')()) }}
{%- endmacro %}

{% macro default__ccw_incremental_strategy() -%}
    {{ return('delete+insert') }}
{%- endmacro %}

{% macro spark__ccw_incremental_strategy() -%}
    {{ return('append') }}
{%- endmacro %}
