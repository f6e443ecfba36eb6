{#- One row per record: the winning version of each key (latest updated_at, else latest file);
    incremental: the keys delivered in the batch are ranked again over all their versions. -#}
{{ incremental_by_key('session_id') }}

with

source as (

    select * from {{ ref('base_self_service__sessions') }}
    where _rejection_rule is null
    {%- if is_incremental() %}
      and {{ batch_keys_filter(ref('base_self_service__sessions'), ['session_id']) }}
    {%- endif %}

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
