{#- Typed + validated raw gl journal lines, one row per landing row (see _erp__models.yml). -#}
{{ incremental_by_file('gl_journal_lines') }}
{%- set checks = landing_checks('gl_journal_lines') -%}

with

{{ landing_typed_ctes('gl_journal_lines') }},

fx_rates as (

    -- months with a rate per currency (seed fx_rates: month, currency, rate_to_reporting)
    select distinct
        cast(month as date) as fx_month,
        cast(currency as {{ dbt.type_string() }}) as fx_currency
    from {{ ref('fx_rates') }}
    where rate_to_reporting is not null

),

currencies as (

    -- decimals of a currency's minor unit, where not 2 (seed currency_minor_units: ISO 4217)
    select
        cast(currency as {{ dbt.type_string() }}) as currency,
        cast(minor_units as {{ dbt.type_int() }}) as minor_units
    from {{ ref('currency_minor_units') }}

),

with_rates as (

    select
        typed.*,
        fx_rates.fx_month is not null as _has_fx_rate,
        coalesce(currencies.minor_units, 2) as _minor_units
    from typed
    left join fx_rates
        on fx_rates.fx_month = cast({{ dbt.date_trunc('month', '_t_posting_date') }} as date)
            and typed._t_currency = fx_rates.fx_currency
    left join currencies
        on typed._t_currency = currencies.currency

),

{{ landing_check_ctes('gl_journal_lines', checks, checked_from='with_rates') }},

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
