with

source as (

    select * from {{ ref('base_crm__customers') }}
    where _rejection_rule is null

),

versions as (

    select
        source.*,
        {{ latest_version_rank(['customer_id']) }} as _version_rank
    from source

),

renamed as (

    select
        customer_id,
        segment,
        country,
        geography,
        customer_since,
        email_hash,
        phone_hash,
        _file_name,
        _row_number
    from versions
    where _version_rank = 1

)

select * from renamed
