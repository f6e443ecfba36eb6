{#-
    One row per contact x agent team that serves it (docs/decisions/staffing.md ST2): every
    interaction with its 30-minute interval, ACD queue, contact reason and the labour pool of
    the team whose agents work it. A handled contact belongs to its agent's team (share 1). A
    queued contact nobody answered (abandoned) is split over the teams that answer its queue
    that month, by their share of the queue's handled contacts (chats have no queue: the
    channel is the queue). Anything else (unassisted, unhandled cases, an agent missing from
    the roster) has no team: cost_pool 'unassigned', share 1.
    Handle time: known, or estimated as the cost drivers estimate it from known values of the
    same channel and month (int_costs__interaction_activity.handle_time_basis component_average
    or channel_average); with no known handle time in the channel-month it is null (unknown: it
    weighs in no AHT), never 0 (docs/decisions/staffing.md ST12).
-#}
{{ incremental_by_month('interval_month') }}
with

interactions as (

    select
        interaction_id,
        source,
        source_interaction_id,
        channel,
        is_assisted,
        contact_reason,
        agent_id,
        started_at_local,
        interaction_date,
        interaction_month,
        handle_seconds,
        productive_handle_seconds,
        coalesce(is_queued, false) as is_queued,
        coalesce(is_handled, false) as is_handled
    from {{ ref('fct_interactions') }}
    {{ incremental_months_filter('interaction_month') }}

),

call_queues as (

    select
        call_id,
        queue
    from {{ ref('stg_telephony__calls') }}
    where queue is not null
    {{ incremental_months_filter(month_of('started_at_local'), 'and') }}

),

labour_pools as (

    select
        interaction_id,
        labour_cost_pool,
        -- an unknown handle time as the cost drivers estimate it from the same channel and month
        case
            when handle_time_basis in ('component_average', 'channel_average')
                then cast(handle_minutes as {{ type_double() }}) * 60
        end as estimated_handle_seconds,
        case
            when handle_time_basis in ('component_average', 'channel_average')
                then cast(productive_handle_minutes as {{ type_double() }}) * 60
        end as estimated_productive_seconds
    from {{ ref('int_costs__interaction_activity') }}
    {{ incremental_months_filter('cost_month') }}

),

contacts as (

    select
        interactions.*,
        -- the ACD queue of a call; chats, cases and the rest have none: their channel is the queue
        coalesce(call_queues.queue, interactions.channel) as queue,
        labour_pools.labour_cost_pool,
        labour_pools.estimated_handle_seconds,
        labour_pools.estimated_productive_seconds,
        {{ kpi_half_hour_start('interactions.started_at_local') }} as interval_start_local
    from interactions
    left join call_queues
        on interactions.source = 'telephony_calls'
            and interactions.source_interaction_id = call_queues.call_id
    left join labour_pools
        on interactions.interaction_id = labour_pools.interaction_id

),

queue_teams as (

    select
        interaction_month,
        channel,
        queue,
        coalesce(labour_cost_pool, 'unassigned') as cost_pool,
        count(*) as handled_contacts
    from contacts
    where is_queued and is_handled
    group by interaction_month, channel, queue, coalesce(labour_cost_pool, 'unassigned')

),

queue_mix as (

    select
        interaction_month,
        channel,
        queue,
        cost_pool,
        cast(handled_contacts as {{ type_double() }})
        / sum(handled_contacts) over (partition by interaction_month, channel, queue) as team_share
    from queue_teams

),

attributed as (

    select
        contacts.*,
        coalesce(contacts.labour_cost_pool, 'unassigned') as cost_pool,
        cast(1 as {{ type_double() }}) as team_share
    from contacts
    where contacts.is_handled

    union all

    select
        contacts.*,
        coalesce(queue_mix.cost_pool, 'unassigned') as cost_pool,
        coalesce(queue_mix.team_share, cast(1 as {{ type_double() }})) as team_share
    from contacts
    left join queue_mix
        on contacts.interaction_month = queue_mix.interaction_month
            and contacts.channel = queue_mix.channel
            and contacts.queue = queue_mix.queue
    where not contacts.is_handled
        and contacts.is_queued

    union all

    select
        contacts.*,
        'unassigned' as cost_pool,
        cast(1 as {{ type_double() }}) as team_share
    from contacts
    where not contacts.is_handled
        and not contacts.is_queued

),

final as (

    select
        interaction_id,
        cost_pool,
        interval_start_local,
        interaction_date as interval_date,
        interaction_month as interval_month,
        cast({{ staffing_iso_day_of_week('interaction_date') }} as {{ dbt.type_int() }}) as interval_day_of_week,
        cast({{ staffing_minute_of_day('interval_start_local') }} as {{ dbt.type_int() }}) as interval_minute_of_day,
        channel,
        is_assisted,
        queue,
        contact_reason,
        agent_id,
        is_queued,
        is_handled,
        team_share,
        is_handled and handle_seconds is null and estimated_handle_seconds is not null as is_handle_time_estimated,
        cast(
            case when is_handled then coalesce(handle_seconds, estimated_handle_seconds) else 0 end
            as {{ type_double() }}
        )
            as handle_seconds,
        cast(
            case when is_handled then coalesce(productive_handle_seconds, estimated_productive_seconds) else 0 end
            as {{ type_double() }}
        )
            as workload_seconds
    from attributed

)

select * from final
