{#- One row per record: the winning version of each key (latest updated_at, else latest file);
    incremental: the keys delivered in the batch are ranked again over all their versions. -#}
{{ incremental_by_key('chat_id') }}

with

source as (

    select * from {{ ref('base_chat__chats') }}
    where _rejection_rule is null
    {%- if is_incremental() %}
      and {{ batch_keys_filter(ref('base_chat__chats'), ['chat_id']) }}
    {%- endif %}

),

versions as (

    select
        source.*,
        {{ latest_version_rank(['chat_id'], 'updated_at_utc') }} as _version_rank
    from source

),

renamed as (

    select
        chat_id,
        case when outcome = 'bot_resolved' then 'chatbot' else 'chat' end as channel,
        outcome,
        started_at_utc,
        {{ utc_to_business_time('started_at_utc') }} as started_at_local,
        ended_at_utc,
        updated_at_utc,
        customer_id,
        contact_reason,
        agent_id,
        wait_seconds,
        handle_seconds,
        coalesce(concurrency, 1.0) as concurrency,
        _file_name,
        _row_number
    from versions
    where _version_rank = 1

)

select * from renamed
