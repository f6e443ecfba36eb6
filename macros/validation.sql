{#-
    Validation of landing rows in the base_<sys>__<entity> models.

    Convention inside a base model: the raw column `<col>` (text, as delivered)
    and its typed value `_t_<col>` (typed_landing_columns) live side by side.

    A check is a dict {rule, column, condition, detail}: `condition` is true
    when the row breaks the rule, `detail` is a SQL text expression explaining
    it. landing_checks() makes the checks of a source from the contract
    (landing_contract.yml, through the generated landing_contract()): the rules
    its columns imply (required, type, codes, durations, the plausible window of
    dates) and the rules it lists (out_of_range, too_many_decimals,
    end_before_start, unknown_currency), in the
    precedence of row_rules(). The FIRST failing check wins; duplicate_id, a
    rule over a set of rows, is decided after them (rejection_outcome).
-#}

{#- a raw value quoted for a detail text, cut to 80 characters -#}
{% macro quoted_raw(col) -%}
    {{ sql_string("'") }} || substr({{ col }}, 1, 80) || {{ sql_string("'") }}
{%- endmacro %}

{% macro as_text(expr) -%}
    cast({{ expr }} as {{ dbt.type_string() }})
{%- endmacro %}

{#- typed_landing_columns(source_name, drop=[]): `<parsed raw> as _t_<col>` for
    every contract column but `drop` (personal data staging does not keep, e.g.
    names: never typed, never hashed); other personal data is hashed right here. -#}
{% macro typed_landing_columns(source_name, drop=[]) -%}
    {%- for c in landing_contract()[source_name]['columns'] if c['name'] not in drop %}
        {% if c['pii'] -%}
            {{ hash_pii(parse_text(c['name'])) }} as _t_{{ c['name'] }}
        {%- else -%}
            {{ parse_landing_value(c['name'], c['type']) }} as _t_{{ c['name'] }}
        {%- endif -%}
        {{ ',' if not loop.last }}
    {%- endfor %}
{%- endmacro %}

{% macro landing_column_names(source_name) -%}
    {{ return(landing_contract()[source_name]['columns'] | map(attribute='name') | list) }}
{%- endmacro %}

{#- The checks of one source, in precedence order (row_rules()): the ones its columns
    imply (required, types, codes, negative durations, future timestamps but the
    contract's future_exempt columns) and the rules the contract lists for it
    (out_of_range, end_before_start, unknown_currency). -#}
{% macro landing_checks(source_name) -%}
    {%- set contract = landing_contract()[source_name] -%}
    {%- set rules = contract['rules'] -%}
    {%- set checks = [] -%}
    {%- for c in contract['columns'] -%}
        {%- do checks.extend(column_checks(c, rules['future_exempt'], rules['past_exempt'])) -%}
    {%- endfor -%}
    {%- for pair in rules['end_before_start'] -%}
        {%- do checks.append(end_before_start_check(pair['end'], pair['start'])) -%}
    {%- endfor -%}
    {%- for r in rules['out_of_range'] -%}
        {%- do checks.append(range_check(r['column'], r['min'], r['max'], r['exclusive_min'])) -%}
    {%- endfor -%}
    {%- if rules['too_many_decimals'] -%}
        {%- do checks.append(too_many_decimals_check(rules['too_many_decimals']['amount'], rules['too_many_decimals']['currency'])) -%}
    {%- endif -%}
    {%- if rules['unknown_currency'] -%}
        {%- do checks.append(unknown_currency_check(rules['unknown_currency']['currency'], rules['unknown_currency']['date'])) -%}
    {%- endif -%}
    {%- set ordered = [] -%}
    {%- for rule in row_rules() -%}
        {%- for check in checks if check['rule'] == rule -%}{%- do ordered.append(check) -%}{%- endfor -%}
    {%- endfor -%}
    {{ return(ordered) }}
{%- endmacro %}

{#- The checks a contract column implies by its type, codes and being required. -#}
{% macro column_checks(c, future_exempt, past_exempt) -%}
    {%- set col = c['name'] -%}
    {%- set checks = [] -%}
    {#- a typed value of spaces only is empty too (null when optional); text is never trimmed -#}
    {%- set typed = c['type'] != 'string' -%}
    {%- set blank = ' or (_t_' ~ col ~ ' is null and trim(' ~ col ~ ') = \'\')' if typed else '' -%}
    {%- if c['required'] -%}
        {%- do checks.append({
            'rule': 'missing_required', 'column': col,
            'condition': '(' ~ parse_text(col) ~ ' is null' ~ blank ~ ')',
            'detail': "'required value of " ~ col ~ " is empty'"}) -%}
    {%- endif -%}
    {%- if typed -%}
        {%- do checks.append({
            'rule': 'unparseable_type', 'column': col,
            'condition': parse_text(col) ~ ' is not null and _t_' ~ col ~ ' is null and trim(' ~ col ~ ") <> ''",
            'detail': "'" ~ col ~ " = ' || " ~ quoted_raw(col) ~ " || ' is not a valid " ~ c['type'] ~ "'"}) -%}
    {%- endif -%}
    {%- if c['codes'] -%}
        {%- set code_list = [] -%}
        {%- for code in c['codes'] -%}{%- do code_list.append(sql_string(code)) -%}{%- endfor -%}
        {%- do checks.append({
            'rule': 'unknown_code', 'column': col,
            'condition': '_t_' ~ col ~ ' not in (' ~ code_list | join(', ') ~ ')',
            'detail': "'" ~ col ~ " = ' || " ~ quoted_raw(col) ~ " || ' is not one of " ~ c['codes'] | join(', ') ~ "'"}) -%}
    {%- endif -%}
    {%- if c['type'] == 'integer' and (col == 'seconds' or col.endswith('_seconds')) -%}
        {%- do checks.append({
            'rule': 'negative_duration', 'column': col,
            'condition': '_t_' ~ col ~ ' < 0',
            'detail': "'" ~ col ~ " = ' || " ~ as_text('_t_' ~ col) ~ " || ' is negative'"}) -%}
    {%- endif -%}
    {%- if c['type'] in ('timestamp', 'date') and col not in future_exempt -%}
        {%- set cutoff = future_cutoff() if c['type'] == 'timestamp' else 'cast(' ~ future_cutoff() ~ ' as date)' -%}
        {%- do checks.append({
            'rule': 'future_timestamp', 'column': col,
            'condition': '_t_' ~ col ~ ' > ' ~ cutoff,
            'detail': "'" ~ col ~ " = ' || " ~ quoted_raw(col) ~ " || ' is after the run start + 1 day ('
                           || " ~ as_text(cutoff) ~ " || ' UTC)'"}) -%}
    {%- endif -%}
    {%- if c['type'] in ('timestamp', 'date') and col not in past_exempt -%}
        {%- set earliest = earliest_plausible_date() if c['type'] == 'date'
            else 'cast(' ~ earliest_plausible_date() ~ ' as ' ~ dbt.type_timestamp() ~ ')' -%}
        {%- do checks.append({
            'rule': 'implausible_date', 'column': col,
            'condition': '_t_' ~ col ~ ' < ' ~ earliest,
            'detail': "'" ~ col ~ " = ' || " ~ quoted_raw(col) ~ " || ' is before '
                       || " ~ as_text(earliest_plausible_date()) ~ " || ', outside the plausible window ('
                       || " ~ as_text(earliest_plausible_date()) ~ " || ' to the run start + 1 day; CCW_EARLIEST_DATE sets its start)'"}) -%}
    {%- endif -%}
    {{ return(checks) }}
{%- endmacro %}

{% macro end_before_start_check(end_col, start_col) -%}
    {{ return({
        'rule': 'end_before_start', 'column': end_col,
        'condition': '_t_' ~ end_col ~ ' < _t_' ~ start_col,
        'detail': "'" ~ end_col ~ " = ' || " ~ quoted_raw(end_col) ~ " || ' is before " ~ start_col ~ " = ' || " ~ quoted_raw(start_col)}) }}
{%- endmacro %}

{#- a number outside the range the contract gives it (survey scales, chat concurrency >= 1, fte > 0);
    pass none for an open bound; exclusive_min for a strict lower bound -#}
{% macro range_check(col, min_value=none, max_value=none, exclusive_min=false) -%}
    {%- set parts = [] -%}
    {%- if min_value is not none -%}
        {%- do parts.append('_t_' ~ col ~ (' <= ' if exclusive_min else ' < ') ~ min_value) -%}
    {%- endif -%}
    {%- if max_value is not none -%}{%- do parts.append('_t_' ~ col ~ ' > ' ~ max_value) -%}{%- endif -%}
    {%- set bounds = ('above ' if exclusive_min else 'from ') ~ (min_value if min_value is not none else '')
        ~ (' to ' ~ max_value if max_value is not none else '') -%}
    {{ return({
        'rule': 'out_of_range', 'column': col,
        'condition': '(' ~ parts | join(' or ') ~ ')',
        'detail': "'" ~ col ~ " = ' || " ~ quoted_raw(col) ~ " || ' is not " ~ bounds ~ "'"}) }}
{%- endmacro %}

{#- needs `_has_fx_rate` (boolean) computed by the model from ref('fx_rates') -#}
{% macro unknown_currency_check(currency_col, date_col) -%}
    {{ return({
        'rule': 'unknown_currency', 'column': currency_col,
        'condition': '_t_' ~ currency_col ~ ' <> ' ~ sql_string(var('reporting_currency')) ~ ' and not _has_fx_rate',
        'detail': "'currency ' || " ~ quoted_raw(currency_col) ~ " || ' is not " ~ var('reporting_currency')
                  ~ " and fx_rates has no rate for ' || substr(" ~ as_text('_t_' ~ date_col) ~ ", 1, 7)"}) }}
{%- endmacro %}

{#- An amount with more decimals than its currency has (trailing zeros do not count):
    needs `_minor_units` (integer) computed by the model from ref('currency_minor_units'),
    2 for a currency the seed does not list. Rejected, not rounded: staging keeps 4 decimals
    and the conversion to the reporting currency rounds to the cent. -#}
{% macro too_many_decimals_check(amount_col, currency_col) -%}
    {{ return({
        'rule': 'too_many_decimals', 'column': amount_col,
        'condition': decimal_places(amount_col) ~ ' > _minor_units',
        'detail': "'" ~ amount_col ~ " = ' || " ~ quoted_raw(amount_col) ~ " || ' carries ' || "
                  ~ as_text(decimal_places(amount_col)) ~ " || ' decimal place(s), more than the ' || "
                  ~ as_text('_minor_units') ~ " || ' of ' || coalesce(" ~ currency_col
                  ~ ", '') || ' (seed currency_minor_units; 2 for a currency it does not list)'"}) }}
{%- endmacro %}

{#- index (1-based) of the first failing check, null when the row passes all -#}
{% macro first_failed_check(checks) -%}
    case
    {%- for check in checks %}
        when {{ check['condition'] }} then {{ loop.index }}
    {%- endfor %}
    end
{%- endmacro %}

{#- _check_rule, _check_column, _check_detail from _check_no -#}
{% macro check_outcome(checks) -%}
    case _check_no
    {%- for check in checks %}
        when {{ loop.index }} then '{{ check["rule"] }}'
    {%- endfor %}
    end as _check_rule,
    case _check_no
    {%- for check in checks %}
        when {{ loop.index }} then '{{ check["column"] }}'
    {%- endfor %}
    end as _check_column,
    case _check_no
    {%- for check in checks %}
        when {{ loop.index }} then {{ check['detail'] }}
    {%- endfor %}
    end as _check_detail
{%- endmacro %}

{#- row_fingerprint(columns): a hash of a row's raw contract values; equal
    for exact duplicates, different (but for a 2^-64 accident) otherwise. -#}
{% macro row_fingerprint(columns) -%}
    {{ return(adapter.dispatch('row_fingerprint')(columns)) }}
{%- endmacro %}

{% macro default__row_fingerprint(columns) -%}
    {%- set parts = [] -%}
    {%- for c in columns -%}
        {%- do parts.append("coalesce(" ~ c ~ ", '<null>')") -%}
    {%- endfor -%}
    {{ dbt.hash(parts | join(" || '|' || ")) }}
{%- endmacro %}

{% macro duckdb__row_fingerprint(columns) -%}
    hash({{ columns | join(', ') }})
{%- endmacro %}

{% macro spark__row_fingerprint(columns) -%}
    xxhash64({{ columns | join(', ') }})
{%- endmacro %}

{#- Tied duplicates (rule duplicate_id), without a window over wide rows:
    tied_duplicate_groups(source_name, relation) lists the (key, file,
    updated_at) groups whose rows passing every row rule differ in content
    (min(fingerprint) <> max(fingerprint): a hash aggregate); the model
    left-joins it back with tied_duplicate_join() and flags the row with
    is_tied_duplicate(). The relation is a materialized CTE on DuckDB
    (materialized_cte()), so the typing is not computed twice. -#}
{% macro tie_columns(source_name) -%}
    {%- set cols = [] -%}
    {%- for k in landing_contract()[source_name]['key'] -%}{%- do cols.append(('_t_' ~ k, '_tie_' ~ k)) -%}{%- endfor -%}
    {%- do cols.append(('_file_name', '_tie_file_name')) -%}
    {%- if 'updated_at' in landing_column_names(source_name) -%}
        {%- do cols.append(("coalesce(_t_updated_at, cast('1900-01-01' as " ~ dbt.type_timestamp() ~ "))", '_tie_updated_at')) -%}
    {%- endif -%}
    {{ return(cols) }}
{%- endmacro %}

{% macro tied_duplicate_groups(source_name, relation) -%}
    {%- set cols = tie_columns(source_name) -%}
    select
        {%- for expr, alias in cols %}
        {{ expr }} as {{ alias }}{{ ',' if not loop.last }}
        {%- endfor %}
    from {{ relation }}
    where _check_no is null
    group by {% for expr, alias in cols %}{{ expr }}{{ ', ' if not loop.last }}{% endfor %}
    having min(_fingerprint) <> max(_fingerprint)
{%- endmacro %}

{% macro tied_duplicate_join(source_name, relation, groups='tied_groups') -%}
    left join {{ groups }}
        on {% for expr, alias in tie_columns(source_name) -%}
        {{ groups }}.{{ alias }} = {{ expr | replace('_t_updated_at', relation ~ '._t_updated_at') | replace('_file_name', relation ~ '._file_name') if not expr.startswith('_t_') else relation ~ '.' ~ expr }}
        {%- if not loop.last %}
        and {% endif -%}
    {%- endfor %}
{%- endmacro %}

{% macro is_tied_duplicate(groups='tied_groups') -%}
    (_check_no is null and {{ groups }}._tie_file_name is not null)
{%- endmacro %}

{#- `as materialized` for a CTE read twice (DuckDB would otherwise inline it twice) -#}
{% macro materialized_cte() -%}
    {{ return(adapter.dispatch('materialized_cte')()) }}
{%- endmacro %}

{% macro default__materialized_cte() -%}{%- endmacro %}

{% macro duckdb__materialized_cte() -%}materialized{%- endmacro %}

{#- the typed columns of a source: _t_<col>, ... (but `drop`) -#}
{% macro typed_column_names(source_name, drop=[]) -%}
    {%- for c in landing_contract()[source_name]['columns'] if c['name'] not in drop -%}
        _t_{{ c['name'] }}{{ ', ' if not loop.last }}
    {%- endfor -%}
{%- endmacro %}

{#- _rejection_rule, _rejection_column, _rejection_detail (null for a good row) -#}
{% macro rejection_outcome(source_name) -%}
    {%- set key = landing_contract()[source_name]['key'] -%}
    {%- set tie = 'updated_at' if 'updated_at' in landing_column_names(source_name) else 'no updated_at' -%}
    case when _check_rule is not null then _check_rule when _is_tied_duplicate then 'duplicate_id' end as _rejection_rule,
    case when _check_rule is not null then _check_column when _is_tied_duplicate then '{{ key[0] }}' end as _rejection_column,
    case
        when _check_rule is not null then _check_detail
        when _is_tied_duplicate
            then 'another row of this file has the same {{ key | join(", ") }} ({{ tie }}) with different content: no version can win'
    end as _rejection_detail
{%- endmacro %}

{#- latest_version_rank(key, updated_col): 1 for the winning version of a key:
    latest updated_at (a value beats null), else latest file (name order),
    else the later row of the file (rows left tied there are exact duplicates). -#}
{% macro latest_version_rank(key, updated_col=none) -%}
    row_number() over (
        partition by {{ key | join(', ') }}
        order by {% if updated_col %}{{ updated_col }} desc nulls last, {% endif %}_file_name desc, _row_number desc
    )
{%- endmacro %}

{#- The CTEs every base_ model starts with: `source` (the raw table; in an incremental
    build only the batch's files) and `typed` (raw text + `_t_<col>` typed values + a
    fingerprint of the row for exact duplicates). drop: columns never typed (names,
    which are never kept). -#}
{% macro landing_typed_ctes(source_name, drop=[]) -%}
source as (

    select * from {{ source('landing', source_name) }}
    {%- if is_incremental() %}
    -- incremental: only the files of the batch (macros/incremental.sql)
    where {{ batch_file_filter('_file_name', source_name) }}
    {%- endif %}

),

typed as (

    select
        source.*,
        {{ row_fingerprint(landing_column_names(source_name)) }} as _fingerprint,
        {{ typed_landing_columns(source_name, drop=drop) }}
    from source

)
{%- endmacro %}

{#- The CTEs that judge each typed row, ending in `tied`: one row per landing row
    with the typed columns, the first failed check and whether it is a
    duplicate id with no winner. `checked_from` is the CTE holding the typed
    rows (plus any column a check needs, e.g. `_has_fx_rate`). -#}
{% macro landing_check_ctes(source_name, checks, checked_from='typed', drop=[]) -%}
checked as (

    select
        {{ checked_from }}.*,
        {{ first_failed_check(checks) }} as _check_no
    from {{ checked_from }}

),

described as {{ materialized_cte() }} (

    select
        _file_name,
        _row_number,
        _fingerprint,
        {{ typed_column_names(source_name, drop=drop) }},
        _check_no,
        {{ check_outcome(checks) }}
    from checked

),

tied_groups as (

    {{ tied_duplicate_groups(source_name, 'described') }}

),

tied as (

    select
        described.*,
        {{ is_tied_duplicate() }} as _is_tied_duplicate
    from described
    {{ tied_duplicate_join(source_name, 'described') }}

)
{%- endmacro %}
