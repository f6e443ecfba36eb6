with

source as (

    select * from {{ ref('base_self_service__sessions') }}
    where _rejection_rule is null

),

versions as (

    select
        source.*,
        {{ latest_version_rank(['session_id']) }} as _version_rank
    from source

),

renamed as (

    select
        session_id,
        'self_service' as channel,
        platform,
        started_at_utc,
        {{ utc_to_business_time('started_at_utc') }} as started_at_local,
        customer_id,
        contact_reason,
        completed as is_completed,
        _file_name,
        _row_number
    from versions
    where _version_rank = 1

)

select * from renamed
