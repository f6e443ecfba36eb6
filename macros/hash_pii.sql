{#-
    hash_pii(col): one-way pseudonym of a personal-data value.
    = lowercase hex sha256 of the PII salt || value; null stays null
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
    lower(sha256({{ pii_salt() }} || {{ col }}))
{%- endmacro %}

{% macro spark__hash_pii(col) -%}
    lower(sha2(concat({{ pii_salt() }}, {{ col }}), 256))
{%- endmacro %}


{#-
    pii_salt(): the salt as an SQL expression that names it, never holds it: the salt
    must not reach the compiled SQL, dbt's manifest or any file (docs/DECISIONS.md D18).
    A build reads it when the SQL runs: on DuckDB a session variable that the plugin
    orchestration/build/pii_salt_plugin.py sets on every cursor from CCW_PII_SALT; on
    Spark the session setting spark.ccw.pii_salt_hex (profiles.yml, from the
    CCW_PII_SALT_HEX that orchestration/spark/session.py derives), hex-encoded because
    Spark substitutes ${...} into the SQL text. Without it the SQL fails, rather than
    hash with no salt. Only a unit test sets var('pii_salt'): a test salt, in the SQL.
-#}
{% macro pii_salt() -%}
    {%- if var('pii_salt', none) is not none -%}
        {{ sql_string(var('pii_salt')) }}
    {%- else -%}
        {{ return(adapter.dispatch('pii_salt')()) }}
    {%- endif -%}
{%- endmacro %}

{% macro default__pii_salt() -%}
    {{ exceptions.raise_compiler_error("pii_salt is not implemented for adapter " ~ adapter.type()) }}
{%- endmacro %}

{% macro duckdb__pii_salt() -%}
    coalesce(getvariable('ccw_pii_salt'), error('no PII salt: the profile must load the plugin orchestration.build.pii_salt_plugin')::varchar)
{%- endmacro %}

{% macro spark__pii_salt() -%}
    coalesce(cast(unhex(nullif('${spark.ccw.pii_salt_hex}', '')) as string), raise_error('no PII salt: spark.ccw.pii_salt_hex is not set (run the Spark build with python -m orchestration.spark build)'))
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
