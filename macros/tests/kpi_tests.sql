{#- Generic tests of the KPI marts (no dbt_utils: the package hub is out of reach). -#}

{#- Composite primary key: no two rows share the combination of `columns` (nulls compare as equal values). -#}
{% test kpi_unique_combination(model, columns) %}

select
    {{ columns | join(', ') }},
    count(*) as n_rows
from {{ model }}
group by {{ columns | join(', ') }}
having count(*) > 1

{% endtest %}


{#- Rows for which `expression` is not true (a null result fails); filter rows with config `where`. -#}
{% test kpi_expression_is_true(model, expression) %}

select *
from {{ model }}
where not coalesce(({{ expression }}), false)

{% endtest %}


{#- A ratio column lies in [0, 1] wherever it is not null. -#}
{% test kpi_is_share(model, column_name) %}

select {{ column_name }}
from {{ model }}
where {{ column_name }} is not null
  and ({{ column_name }} < 0 or {{ column_name }} > 1)

{% endtest %}


{#- A KPI column is null on every row whose channel is outside `channels`. -#}
{% test kpi_null_outside_channels(model, column_name, channels, channel_column='channel') %}

select {{ channel_column }}, {{ column_name }}
from {{ model }}
where {{ column_name }} is not null
  and {{ channel_column }} not in ('{{ channels | join("', '") }}')

{% endtest %}
