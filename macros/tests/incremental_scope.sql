{#-
    Data tests of an incremental build check what the build rebuilt (docs/decisions/performance.md P13).

    dbt passes every generic test its model through get_where_subquery (the `where` config).
    This override adds, in an incremental build (not --full-refresh), for the row-level tests
    below and a model built incrementally, the rows of that build: the refresh months of a
    month-partitioned model, the batch's files of a base model or of quarantine, the keys the
    batch delivered of a staging model. The other rows were tested when they were built, and
    every full refresh tests every row. Tests that compare a model with another one
    (reconciliations, sums to channels) keep the whole model: they are not in the list.
-#}
{% macro ccw_row_level_tests() -%}
    {{ return([
        'unique', 'not_null', 'accepted_values', 'relationships', 'accepted_range',
        'expression_is_true', 'is_row_rule', 'kpi_null_outside_channels', 'unique_combination_of_columns',
        'interaction_exists', 'column_constraints',
    ]) }}
{%- endmacro %}

{% macro get_where_subquery(relation) -%}
    {%- set conditions = [] -%}
    {%- set where = config.get('where', '') -%}
    {%- if where -%}{%- do conditions.append('(' ~ where ~ ')') -%}{%- endif -%}
    {%- set scope = ccw_incremental_test_scope(relation) -%}
    {%- if scope -%}{%- do conditions.append(scope) -%}{%- endif -%}
    {%- if conditions -%}
        {%- set filtered -%}
            {#- no alias: a test may alias its model (`{{ model }} as child`). `true and` first:
                Spark reads `from t where (flag)` as the alias `where` with a column list. -#}
            (select * from {{ relation }} where true and {{ conditions | join(' and ') }})
        {%- endset -%}
        {%- do return(filtered) -%}
    {%- else -%}
        {%- do return(relation) -%}
    {%- endif -%}
{%- endmacro %}

{#- The relation name of a node of this project, or of a source table, from the graph
    (no ref(): a test only depends on the model it tests). -#}
{% macro ccw_relation_name(name, source_name=none) -%}
    {%- set pool = graph.sources.values() if source_name else graph.nodes.values() -%}
    {%- for node in pool if node.name == name and (source_name is none or node.source_name == source_name) -%}
        {{ return(node.relation_name) }}
    {%- endfor -%}
    {{ return(none) }}
{%- endmacro %}

{% macro ccw_incremental_test_scope(relation) -%}
    {%- if not execute or flags.FULL_REFRESH or model.resource_type != 'test' -%}{{ return('') }}{%- endif -%}
    {%- set test_name = (model.test_metadata or {}).get('name') -%}
    {%- if test_name not in ccw_row_level_tests() -%}{{ return('') }}{%- endif -%}
    {%- set ns = namespace(node=none) -%}
    {%- for node in graph.nodes.values() if node.resource_type == 'model' -%}
        {%- if (node.alias or node.name) == relation.identifier and node.schema == relation.schema -%}
            {%- set ns.node = node -%}
        {%- endif -%}
    {%- endfor -%}
    {%- set node = ns.node -%}
    {%- if node is none or node.config.materialized != 'incremental' -%}{{ return('') }}{%- endif -%}
    {%- set files -%}
        select file_name from {{ ccw_relation_name('landing_files', 'ccw_state') }}
        where rule is null
          and load_id > (select max(built_load_id) from {{ ccw_relation_name('build_state', 'ccw_state') }})
    {%- endset -%}
    {%- set months = 'select refresh_month from ' ~ ccw_relation_name('int_refresh__months') -%}
    {%- set replace = node.config.get('replace_partitions') or '' -%}
    {%- set partition = node.config.get('partition_expression') -%}
    {%- if replace in ('refresh_months', 'refresh_months_and_previous') -%}
        {%- if replace == 'refresh_months_and_previous' -%}
            {%- set months = months ~ ' union select cast(' ~ dbt.dateadd('month', -1, 'refresh_month') ~ ' as date) from '
                ~ ccw_relation_name('int_refresh__months') -%}
        {%- endif -%}
        {{ return(partition ~ ' in (' ~ months ~ ')') }}
    {%- elif replace.startswith('batch_files') -%}
        {{ return(partition ~ ' in (' ~ files ~ ')') }}
    {%- elif node.config.get('unique_key') -%}
        {%- set keys = node.config.unique_key if node.config.unique_key is not string else [node.config.unique_key] -%}
        {%- set base = graph.nodes[node.depends_on.nodes[0]].relation_name -%}
        {{ return('(' ~ keys | join(', ') ~ ') in (select ' ~ keys | join(', ') ~ ' from ' ~ base
            ~ ' where _file_name in (' ~ files ~ '))') }}
    {%- endif -%}
    {{ return('') }}
{%- endmacro %}
