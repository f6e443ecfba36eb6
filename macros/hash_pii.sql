{#-
    hash_pii(col): one-way pseudonym of a personal-data value.
    = lowercase hex sha256 of var('pii_salt') || value; null stays null
    (string concatenation with null is null on every engine we target).
    The caller passes the cleaned value (staging passes nullif(raw, '')).
    Set CCW_PII_SALT per installation: with the default salt a hash of a known
    phone number can be recomputed (docs/DECISIONS.md D7).
-#}
{% macro hash_pii(col) -%}
    {{ return(adapter.dispatch('hash_pii')(col)) }}
{%- endmacro %}

{% macro default__hash_pii(col) -%}
    {{ exceptions.raise_compiler_error("hash_pii is not implemented for adapter " ~ adapter.type()) }}
{%- endmacro %}

{% macro duckdb__hash_pii(col) -%}
    lower(sha256({{ sql_string(var('pii_salt')) }} || {{ col }}))
{%- endmacro %}

{% macro spark__hash_pii(col) -%}
    lower(sha2(concat({{ sql_string(var('pii_salt')) }}, {{ col }}), 256))
{%- endmacro %}


{#- sql_string(value): a Jinja string as a quoted SQL literal ('' escapes ';
    on Spark, where '' inside a literal ends it, backslash escapes). -#}
{% macro sql_string(value) -%}
    {{ return(adapter.dispatch('sql_string')(value)) }}
{%- endmacro %}

{% macro default__sql_string(value) -%}
    '{{ value | string | replace("'", "''") }}'
{%- endmacro %}

{% macro spark__sql_string(value) -%}
    '{{ value | string | replace("\\", "\\\\") | replace("'", "\\'") }}'
{%- endmacro %}
