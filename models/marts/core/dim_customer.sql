{#- One row per CRM customer, without personal data (see _core__models.yml). -#}
with

customers as (

    select * from {{ ref('stg_crm__customers') }}

),

final as (

    -- email_hash and phone_hash are left out: no personal data, not even hashed, in a mart
    select
        customer_id,
        segment,
        country,
        geography,
        customer_since,
        _file_name,
        _row_number
    from customers

)

select * from final
