{#- Typed + validated raw customers, one row per landing row (see _crm__models.yml). -#}
{{ incremental_by_file('customers') }}
{%- set checks = landing_checks('customers') -%}

with

{{ landing_typed_ctes('customers', drop=['customer_name']) }},

{{ landing_check_ctes('customers', checks, drop=['customer_name']) }},

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
