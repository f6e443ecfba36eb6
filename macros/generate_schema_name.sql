{#-
    Schemas are exactly the custom schema name of the node (`staging`,
    `intermediate`, `marts`, `seeds`, `quarantine`), not dbt's default
    `<target schema>_<custom>`: the published file's schemas are what analysts
    query, and they must not depend on the profile's schema. A node without a
    custom schema goes to the target's default schema.
-#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
