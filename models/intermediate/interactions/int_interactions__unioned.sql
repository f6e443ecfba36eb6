{#- One row per customer interaction of the four event sources, conformed columns and flags (see
    _int_interactions__models.yml), plus the tickets that are no customer contact of their own
    (is_customer_contact false: deleted, merged, or opened from a call or a chat), which only
    fct_cases reads. -#}
{{ incremental_by_month('interaction_month') }}
with

calls as (

    select * from {{ ref('stg_telephony__calls') }}
    {{ incremental_months_filter(month_of('started_at_local')) }}

),

tickets as (

    select * from {{ ref('stg_ticketing__tickets') }}
    {{ incremental_months_filter(month_of('created_at_local')) }}

),

chats as (

    select * from {{ ref('stg_chat__chats') }}
    {{ incremental_months_filter(month_of('started_at_local')) }}

),

sessions as (

    select * from {{ ref('stg_self_service__sessions') }}
    {{ incremental_months_filter(month_of('started_at_local')) }}

),

channels as (

    select
        cast(channel as {{ dbt.type_string() }}) as channel,
        is_assisted
    from {{ ref('channels') }}

),

calls_conformed as (

    select
        'telephony_calls' as source,
        call_id as source_interaction_id,
        channel,
        customer_id,
        agent_id,
        contact_reason,
        started_at_utc,
        started_at_local,
        ivr_seconds,
        queue_seconds as wait_seconds,
        -- an abandoned or IVR-only call never reached an agent (0 s, known); any other call carries the
        -- agent's time, unknown (null) when talk, hold or acw is
        case
            when outcome in ('abandoned', 'ivr_self_served', 'ivr_abandoned') then 0
            else talk_seconds + hold_seconds + acw_seconds
        end as handle_seconds,
        talk_seconds,
        hold_seconds,
        acw_seconds,
        cast(null as double) as concurrency,
        outcome,
        -- a call that finished in the IVR never queued; an unknown wait is no evidence of a queue
        direction = 'inbound'
        and channel <> 'ivr'
        and (coalesce(queue_seconds, 0) > 0 or outcome in ('answered', 'abandoned')) as is_queued,
        outcome = 'answered' as is_handled,
        outcome = 'abandoned' as is_abandoned,
        -- IVR calls: self-served is contained, a hang-up in the menu (ivr_abandoned) is not
        case when channel = 'ivr' then outcome = 'ivr_self_served' end as is_contained,
        is_transferred,
        cast(null as {{ dbt.type_boolean() }}) as is_solved,
        cast(null as {{ dbt.type_timestamp() }}) as first_response_at_utc,
        cast(null as {{ dbt.type_timestamp() }}) as solved_at_utc,
        cast(null as {{ dbt.type_int() }}) as reopen_count,
        true as is_customer_contact,
        _file_name,
        _row_number
    from calls

),

tickets_conformed as (

    select
        'tickets' as source,
        ticket_id as source_interaction_id,
        -- the taxonomy's channel: a ticket opened from a phone call comes from an inbound call
        case when channel = 'phone' then 'inbound_call' else channel end as channel,
        customer_id,
        agent_id,
        contact_reason,
        created_at_utc as started_at_utc,
        created_at_local as started_at_local,
        cast(null as {{ dbt.type_int() }}) as ivr_seconds,
        cast(null as {{ dbt.type_int() }}) as wait_seconds,
        handle_seconds,
        cast(null as {{ dbt.type_int() }}) as talk_seconds,
        cast(null as {{ dbt.type_int() }}) as hold_seconds,
        cast(null as {{ dbt.type_int() }}) as acw_seconds,
        cast(null as double) as concurrency,
        status as outcome,
        false as is_queued,
        (
            coalesce(agent_replies, 0) > 0
            or coalesce(handle_seconds, 0) > 0
            or first_response_at_utc is not null
            or status in ('solved', 'closed')
        ) as is_handled,
        false as is_abandoned,
        cast(null as {{ dbt.type_boolean() }}) as is_contained,
        cast(null as {{ dbt.type_boolean() }}) as is_transferred,
        status in ('solved', 'closed') as is_solved,
        first_response_at_utc,
        solved_at_utc,
        reopen_count,
        -- a deleted (spam, created in error) or merged ticket is no request of its own; a ticket
        -- opened from a call or a chat is follow-up work on a contact counted in that channel
        status not in ('deleted', 'merged') and channel not in ('phone', 'chat') as is_customer_contact,
        _file_name,
        _row_number
    from tickets

),

chats_conformed as (

    select
        'chats' as source,
        chat_id as source_interaction_id,
        channel,
        customer_id,
        agent_id,
        contact_reason,
        started_at_utc,
        started_at_local,
        cast(null as {{ dbt.type_int() }}) as ivr_seconds,
        wait_seconds,
        case when outcome = 'answered' then handle_seconds else 0 end as handle_seconds,
        cast(null as {{ dbt.type_int() }}) as talk_seconds,
        cast(null as {{ dbt.type_int() }}) as hold_seconds,
        cast(null as {{ dbt.type_int() }}) as acw_seconds,
        cast(concurrency as double) as concurrency,
        outcome,
        outcome in ('answered', 'abandoned') as is_queued,
        outcome = 'answered' as is_handled,
        outcome = 'abandoned' as is_abandoned,
        case when outcome = 'bot_resolved' then true end as is_contained,
        cast(null as {{ dbt.type_boolean() }}) as is_transferred,
        cast(null as {{ dbt.type_boolean() }}) as is_solved,
        cast(null as {{ dbt.type_timestamp() }}) as first_response_at_utc,
        cast(null as {{ dbt.type_timestamp() }}) as solved_at_utc,
        cast(null as {{ dbt.type_int() }}) as reopen_count,
        true as is_customer_contact,
        _file_name,
        _row_number
    from chats

),

sessions_conformed as (

    select
        'self_service_sessions' as source,
        session_id as source_interaction_id,
        channel,
        customer_id,
        cast(null as {{ dbt.type_string() }}) as agent_id,
        contact_reason,
        started_at_utc,
        started_at_local,
        cast(null as {{ dbt.type_int() }}) as ivr_seconds,
        cast(null as {{ dbt.type_int() }}) as wait_seconds,
        0 as handle_seconds,
        cast(null as {{ dbt.type_int() }}) as talk_seconds,
        cast(null as {{ dbt.type_int() }}) as hold_seconds,
        cast(null as {{ dbt.type_int() }}) as acw_seconds,
        cast(null as double) as concurrency,
        case when is_completed then 'completed' else 'not_completed' end as outcome,
        false as is_queued,
        false as is_handled,
        false as is_abandoned,
        is_completed as is_contained,
        cast(null as {{ dbt.type_boolean() }}) as is_transferred,
        cast(null as {{ dbt.type_boolean() }}) as is_solved,
        cast(null as {{ dbt.type_timestamp() }}) as first_response_at_utc,
        cast(null as {{ dbt.type_timestamp() }}) as solved_at_utc,
        cast(null as {{ dbt.type_int() }}) as reopen_count,
        true as is_customer_contact,
        _file_name,
        _row_number
    from sessions

),

unioned as (

    select * from calls_conformed
    union all
    select * from tickets_conformed
    union all
    select * from chats_conformed
    union all
    select * from sessions_conformed

),

final as (

    select
        {{ dbt.concat(['unioned.source', "':'", 'unioned.source_interaction_id']) }} as interaction_id,
        unioned.source,
        unioned.source_interaction_id,
        unioned.channel,
        channels.is_assisted,
        unioned.customer_id,
        unioned.agent_id,
        unioned.contact_reason,
        unioned.started_at_utc,
        unioned.started_at_local,
        cast(unioned.started_at_local as date) as interaction_date,
        cast({{ dbt.date_trunc('month', 'unioned.started_at_local') }} as date) as interaction_month,
        cast(extract(hour from unioned.started_at_local) as {{ dbt.type_int() }}) as hour_of_day,
        cast(unioned.ivr_seconds as {{ dbt.type_int() }}) as ivr_seconds,
        cast(unioned.wait_seconds as {{ dbt.type_int() }}) as wait_seconds,
        cast(unioned.handle_seconds as {{ dbt.type_int() }}) as handle_seconds,
        cast(unioned.talk_seconds as {{ dbt.type_int() }}) as talk_seconds,
        cast(unioned.hold_seconds as {{ dbt.type_int() }}) as hold_seconds,
        cast(unioned.acw_seconds as {{ dbt.type_int() }}) as acw_seconds,
        unioned.concurrency,
        -- agent labour time: a chat agent serving N chats at once spends 1/N of each chat's handle time on it
        cast(
            case
                when unioned.source = 'chats' then unioned.handle_seconds / unioned.concurrency
                else unioned.handle_seconds
            end
            as double
        ) as productive_handle_seconds,
        unioned.outcome,
        unioned.is_queued,
        unioned.is_handled,
        unioned.is_abandoned,
        unioned.is_contained,
        unioned.is_transferred,
        unioned.is_solved,
        unioned.first_response_at_utc,
        unioned.solved_at_utc,
        cast(unioned.reopen_count as {{ dbt.type_int() }}) as reopen_count,
        unioned.is_customer_contact,
        unioned._file_name,
        unioned._row_number
    from unioned
    left join channels
        on unioned.channel = channels.channel

)

select * from final
