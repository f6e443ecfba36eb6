{#- One row per record: the winning version of each key (latest updated_at, else latest file);
    incremental: the keys delivered in the batch are ranked again over all their versions. -#}
{{ incremental_by_key('call_id') }}

with

source as (

    select * from {{ ref('base_telephony__calls') }}
    where _rejection_rule is null
    {%- if is_incremental() %}
      and {{ batch_keys_filter(ref('base_telephony__calls'), ['call_id']) }}
    {%- endif %}

),

versions as (

    select
        source.*,
        {{ latest_version_rank(['call_id'], 'updated_at_utc') }} as _version_rank
    from source

),

renamed as (

    select
        call_id,
        case
            when direction = 'outbound' then 'outbound_call'
            -- finished in the voice menu, self-served or hung up there: never queued
            when outcome in ('ivr_self_served', 'ivr_abandoned') then 'ivr'
            else 'inbound_call'
        end as channel,
        direction,
        outcome,
        started_at_utc,
        {{ utc_to_business_time('started_at_utc') }} as started_at_local,
        updated_at_utc,
        customer_id,
        customer_phone_hash,
        queue,
        contact_reason,
        agent_id,
        ivr_seconds,
        queue_seconds,
        talk_seconds,
        hold_seconds,
        acw_seconds,
        -- known only when all three are: an unknown part is not 0 s
        talk_seconds + hold_seconds + acw_seconds as handle_seconds,
        coalesce(transferred, false) as is_transferred,
        _file_name,
        _row_number
    from versions
    where _version_rank = 1

)

select * from renamed
