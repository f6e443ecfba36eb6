{#- Typed + validated raw customers, one row per landing row (see _crm__models.yml). -#}
{%- set checks = landing_checks('customers') -%}

with

source as (

    select * from {{ source('landing', 'customers') }}

),

typed as (

    select
        source.*,
        {{ row_fingerprint(landing_column_names('customers')) }} as _fingerprint,
        {{ typed_landing_columns('customers', drop=['customer_name']) }}
    from source

),

checked as (

    select
        typed.*,
        {{ first_failed_check(checks) }} as _check_no
    from typed

),

described as {{ materialized_cte() }} (

    select
        _file_name,
        _row_number,
        _fingerprint,
        {{ typed_column_names('customers', drop=['customer_name']) }},
        _check_no,
        {{ check_outcome(checks) }}
    from checked

),

tied_groups as (

    {{ tied_duplicate_groups('customers', 'described') }}

),

tied as (

    select
        described.*,
        {{ is_tied_duplicate() }} as _is_tied_duplicate
    from described
    {{ tied_duplicate_join('customers', 'described') }}

),

renamed as (

    select
        _file_name,
        _row_number,
        _t_customer_id as customer_id,
        _t_segment as segment,
        _t_country as country,
        _t_geography as geography,
        _t_customer_since as customer_since,
        _t_email as email_hash,
        _t_phone as phone_hash,
        {{ rejection_outcome('customers') }}
    from tied

)

select * from renamed
