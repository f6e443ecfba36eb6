{#-
    Spark-only overrides of dbt-spark macros (docs/decisions/spark.md, S5).

    spark__load_csv_rows: the seed loader. dbt-spark 1.11's session method fills
    the insert's `%s` placeholders with `'value'` unescaped: an apostrophe in a
    seed (a description such as "A team's cost") breaks the statement and an
    empty cell becomes the text 'None'. This version writes each value as an
    escaped literal (null for an empty cell), cast to the seed's column type,
    so a seed has the same values on Spark as on DuckDB.
-#}
{% macro spark__load_csv_rows(model, agate_table) %}
  {%- set batch_size = get_batch_size() -%}
  {%- set column_override = model['config'].get('column_types', {}) -%}
  {%- set types = [] -%}
  {%- for col_name in agate_table.column_names -%}
      {%- do types.append(column_override.get(col_name, adapter.convert_type(agate_table, loop.index0))) -%}
  {%- endfor -%}
  {%- set statements = [] -%}
  {%- for chunk in agate_table.rows | batch(batch_size) -%}
      {%- set sql -%}
          insert into {{ this.render() }} values
          {% for row in chunk -%}
              ({%- for value in row -%}
                  cast({{ spark_seed_literal(value) }} as {{ types[loop.index0] }})
                  {%- if not loop.last %},{% endif -%}
              {%- endfor -%})
              {%- if not loop.last %},{% endif %}
          {% endfor %}
      {%- endset -%}
      {%- do adapter.add_query(sql, abridge_sql_log=True) -%}
      {%- if loop.index0 == 0 -%}{%- do statements.append(sql) -%}{%- endif -%}
  {%- endfor -%}
  {{ return(statements[0] if statements else '') }}
{% endmacro %}

{#- A seed value as a Spark SQL string literal (backslash escapes), or null. -#}
{% macro spark_seed_literal(value) -%}
    {%- if value is none -%}null
    {%- else -%}'{{ value | string | replace("\\", "\\\\") | replace("'", "\\'") }}'
    {%- endif -%}
{%- endmacro %}
