{#- Typed + validated raw gl journal lines, one row per landing row (see _erp__models.yml). -#}
{%- set checks = landing_checks('gl_journal_lines', extra=[unknown_currency_check('currency', 'posting_date')]) -%}

with

source as (

    select * from {{ source('landing', 'gl_journal_lines') }}

),

fx_rates as (

    -- months with a rate per currency (seed fx_rates: month, currency, rate_to_reporting)
    select distinct
        cast(month as date) as fx_month,
        cast(currency as {{ dbt.type_string() }}) as fx_currency
    from {{ ref('fx_rates') }}
    where rate_to_reporting is not null

),

typed as (

    select
        source.*,
        {{ row_fingerprint(landing_column_names('gl_journal_lines')) }} as _fingerprint,
        {{ typed_landing_columns('gl_journal_lines') }}
    from source

),

with_rates as (

    select
        typed.*,
        fx_rates.fx_month is not null as _has_fx_rate
    from typed
    left join fx_rates
        on fx_rates.fx_month = cast({{ dbt.date_trunc('month', '_t_posting_date') }} as date)
        and fx_rates.fx_currency = typed._t_currency

),

checked as (

    select
        with_rates.*,
        {{ first_failed_check(checks) }} as _check_no
    from with_rates

),

described as {{ materialized_cte() }} (

    select
        _file_name,
        _row_number,
        _fingerprint,
        {{ typed_column_names('gl_journal_lines') }},
        _check_no,
        {{ check_outcome(checks) }}
    from checked

),

tied_groups as (

    {{ tied_duplicate_groups('gl_journal_lines', 'described') }}

),

tied as (

    select
        described.*,
        {{ is_tied_duplicate() }} as _is_tied_duplicate
    from described
    {{ tied_duplicate_join('gl_journal_lines', 'described') }}

),

renamed as (

    select
        _file_name,
        _row_number,
        _t_journal_id as journal_id,
        _t_line_number as line_number,
        _t_posting_date as posting_date,
        _t_account_code as account_code,
        _t_account_name as account_name,
        _t_cost_center as cost_center,
        _t_amount as amount,
        _t_currency as currency,
        _t_description as description,
        {{ rejection_outcome('gl_journal_lines') }}
    from tied

)

select * from renamed
