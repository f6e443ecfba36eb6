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
