{#- One row per interaction: what the allocation needs of it (drivers, labour pool, attributes for the cost marts). -#}
{{ incremental_by_month('cost_month') }}
with

interactions as (

    select * from {{ ref('int_interactions__unioned') }}
    -- customer contacts only: a deleted, merged or follow-up ticket drives no cost of its own
    where is_customer_contact
    {{ incremental_months_filter('interaction_month', 'and') }}

),

agents as (

    select
        agent_id,
        cost_center,
        fte
    from {{ ref('stg_hr__agents') }}

),

labour_pools as (

    select
        cost_center,
        cost_pool
    from {{ ref('cost_centers') }}
    where pool_type = 'labour'

),

channels as (

    select
        cast(channel as {{ dbt.type_string() }}) as channel,
        cast(platform as {{ dbt.type_string() }}) as platform
    from {{ ref('channels') }}

),

enriched as (

    select
        interactions.interaction_id,
        cast({{ dbt.date_trunc('month', 'interactions.interaction_date') }} as date) as cost_month,
        interactions.interaction_date,
        interactions.channel,
        channels.platform,
        interactions.is_assisted,
        interactions.customer_id,
        coalesce(interactions.contact_reason, 'unknown') as contact_reason,
        interactions.agent_id,
        agents.cost_center as agent_cost_center,
        cast(agents.fte as decimal(9, 4)) as agent_fte,
        labour_pools.cost_pool as labour_cost_pool,
        coalesce(interactions.is_handled, false) as is_handled,
        case
            when interactions.is_assisted then coalesce(interactions.is_solved, interactions.is_handled, false)
            else coalesce(interactions.is_contained, false)
        end as is_resolved,
        cast(round(cast(coalesce(interactions.handle_seconds, 0) as {{ type_double() }}) / 60, 6) as decimal(18, 6))
            as handle_minutes,
        -- agent time, chat minutes divided by concurrency (int_interactions__unioned)
        cast(
            round(cast(coalesce(interactions.productive_handle_seconds, 0) as {{ type_double() }}) / 60, 6) as decimal(
                18, 6
            )
        )
            as productive_handle_minutes,
        -- time connected to the platform: IVR + queue + talk + hold (handle time when the source has no talk/hold)
        cast(round(cast(
            coalesce(interactions.ivr_seconds, 0)
            + coalesce(interactions.wait_seconds, 0)
            + case
                when interactions.talk_seconds is not null or interactions.hold_seconds is not null
                    then coalesce(interactions.talk_seconds, 0) + coalesce(interactions.hold_seconds, 0)
                else coalesce(interactions.handle_seconds, 0)
            end
            as {{ type_double() }}
        ) / 60, 6) as decimal(18, 6)) as usage_minutes
    from interactions
    left join agents
        on interactions.agent_id = agents.agent_id
    left join labour_pools
        on agents.cost_center = labour_pools.cost_center
    left join channels
        on interactions.channel = channels.channel

)

select * from enriched
