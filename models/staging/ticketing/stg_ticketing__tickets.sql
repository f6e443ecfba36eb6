{#- One row per record: the winning version of each key (latest updated_at, else latest file);
    incremental: the keys delivered in the batch are ranked again over all their versions. -#}
{{ incremental_by_key('ticket_id') }}

with

source as (

    select * from {{ ref('base_ticketing__tickets') }}
    where _rejection_rule is null
    {%- if is_incremental() %}
      and {{ batch_keys_filter(ref('base_ticketing__tickets'), ['ticket_id']) }}
    {%- endif %}

),

versions as (

    select
        source.*,
        {{ latest_version_rank(['ticket_id'], 'updated_at_utc') }} as _version_rank
    from source

),

renamed as (

    select
        ticket_id,
        channel,
        status,
        created_at_utc,
        {{ utc_to_business_time('created_at_utc') }} as created_at_local,
        updated_at_utc,
        first_response_at_utc,
        solved_at_utc,
        customer_id,
        customer_email_hash,
        contact_reason,
        agent_id,
        reopen_count,
        agent_replies,
        handle_seconds,
        _file_name,
        _row_number
    from versions
    where _version_rank = 1

)

select * from renamed
