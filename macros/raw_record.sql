{#-
    raw_record_json(source_name, relation_alias): the raw row's contract
    columns as a JSON text object {"column": "value as delivered", ...}
    (null stays JSON null). Personal-data columns are replaced by their
    hash_pii() value, so quarantine never holds PII in clear.
-#}
{% macro raw_record_json(source_name, relation_alias) -%}
    {{ return(adapter.dispatch('raw_record_json')(source_name, relation_alias)) }}
{%- endmacro %}

{% macro default__raw_record_json(source_name, relation_alias) -%}
    {{ exceptions.raise_compiler_error("raw_record_json is not implemented for adapter " ~ adapter.type()) }}
{%- endmacro %}

{% macro duckdb__raw_record_json(source_name, relation_alias) -%}
    cast(json_object(
    {%- for c in landing_contract()[source_name]['columns'] %}
        '{{ c["name"] }}', {% if c['pii'] %}{{ hash_pii(relation_alias ~ '.' ~ c['name']) }}{% else %}{{ relation_alias }}.{{ c['name'] }}{% endif %}{{ ',' if not loop.last }}
    {%- endfor %}
    ) as {{ dbt.type_string() }})
{%- endmacro %}

{% macro spark__raw_record_json(source_name, relation_alias) -%}
    to_json(named_struct(
    {%- for c in landing_contract()[source_name]['columns'] %}
        '{{ c["name"] }}', {% if c['pii'] %}{{ hash_pii(relation_alias ~ '.' ~ c['name']) }}{% else %}{{ relation_alias }}.{{ c['name'] }}{% endif %}{{ ',' if not loop.last }}
    {%- endfor %}
    ), map('ignoreNullFields', 'false'))
{%- endmacro %}
