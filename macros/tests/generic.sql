{#-
    The project's generic tests for any model (the dbt_utils ones it needs, written here:
    the package hub is out of reach). Filter rows with the standard `where` config.
-#}

{#- Composite primary key: no two rows share the combination (nulls compare as values). -#}
{% test unique_combination_of_columns(model, combination_of_columns) %}

select
    {{ combination_of_columns | join(', ') }},
    count(*) as n_rows
from {{ model }}
group by {{ combination_of_columns | join(', ') }}
having count(*) > 1

{% endtest %}


{#- Rows for which `expression` is not true (a null result fails). -#}
{% test expression_is_true(model, expression) %}

select *
from {{ model }}
where not coalesce(({{ expression }}), false)

{% endtest %}


{#- Every non-null value is a row rule of the landing contract (row_rules(), landing_contract.yml). -#}
{% test is_row_rule(model, column_name) %}

select {{ column_name }}
from {{ model }}
where {{ column_name }} is not null
  and {{ column_name }} not in ({% for rule in row_rules() %}'{{ rule }}'{{ ', ' if not loop.last }}{% endfor %})

{% endtest %}


{#- A KPI column is null on every row whose channel is outside `channels`. -#}
{% test kpi_null_outside_channels(model, column_name, channels, channel_column='channel') %}

select {{ channel_column }}, {{ column_name }}
from {{ model }}
where {{ column_name }} is not null
  and {{ channel_column }} not in ('{{ channels | join("', '") }}')

{% endtest %}


{#- The constraints a model's YAML declares on its columns hold: `not_null`, and `check`
    (an expression every row satisfies; a null result passes, as in a SQL CHECK), all in one
    query (docs/decisions/performance.md P23). dbt enforces no constraint itself without a
    contract; this test is what checks them. A failing row names the column, the rule and how
    many of the tested rows break it. -#}
{% test column_constraints(model) %}

{%- set rules = ccw_column_rules() %}
with broken as (
    select
    {%- for rule in rules %}
        {% if rule.type == 'not_null' -%}
        count(*) - count({{ rule.column }})
        {%- else -%}
        count(case when not ({{ rule.expression }}) then 1 end)
        {%- endif %} as rule_{{ loop.index }}{{ ',' if not loop.last }}
    {%- endfor %}
    from {{ model }}
)
{%- for rule in rules %}
select '{{ rule.column }}' as column_name, '{{ rule.label }}' as rule, rule_{{ loop.index }} as failing_rows
from broken where rule_{{ loop.index }} > 0
{{- ' union all' if not loop.last }}
{%- endfor %}

{% endtest %}


{#- The column constraints of the model the running test is attached to: the context's `model`
    is the test node here (the test's own `model` argument may be a filtered subquery). -#}
{% macro ccw_column_rules() -%}
    {%- if not execute -%}{{ return([{'column': '1', 'type': 'not_null', 'label': 'not_null'}]) }}{%- endif -%}
    {%- set node = graph.nodes.get(model.attached_node) -%}
    {%- set rules = [] -%}
    {%- for column in (node.columns.values() if node else []) -%}
        {%- for constraint in column.constraints if constraint.type in ('not_null', 'check') -%}
            {%- do rules.append({
                'column': column.name,
                'type': constraint.type,
                'expression': constraint.expression,
                'label': 'not_null' if constraint.type == 'not_null'
                    else 'check: ' ~ (constraint.expression | replace("'", '"')),
            }) -%}
        {%- endfor -%}
    {%- endfor -%}
    {%- if not rules -%}
        {{ exceptions.raise_compiler_error('column_constraints on ' ~ model.attached_node ~ ': no column has a not_null or check constraint (declare them under the columns\' `constraints:`, or remove the test)') }}
    {%- endif -%}
    {{ return(rules) }}
{%- endmacro %}
