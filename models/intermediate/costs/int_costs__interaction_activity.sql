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
        interactions.source,
        interactions.channel,
        interactions.outcome,
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
        interactions.ivr_seconds,
        interactions.wait_seconds,
        interactions.talk_seconds,
        interactions.hold_seconds,
        interactions.acw_seconds,
        interactions.handle_seconds,
        interactions.productive_handle_seconds
    from interactions
    left join agents
        on interactions.agent_id = agents.agent_id
    left join labour_pools
        on agents.cost_center = labour_pools.cost_center
    left join channels
        on interactions.channel = channels.channel

),

-- the averages an unknown duration is estimated from (docs/decisions/cost_allocation.md C10):
-- each call component over the calls of the same month, channel and outcome that carry it;
-- a handled contact's handle time over the handled contacts of the same channel and month,
-- else of the month (any channel) with a known one. avg() of no known value is null.
-- Grouped and joined back on the group (a few hundred groups), not windows over every
-- interaction (docs/decisions/performance.md P19); a null outcome is a group of its own.
outcome_averages as (

    select
        cost_month,
        channel,
        outcome,
        avg(ivr_seconds) as avg_ivr_seconds,
        avg(wait_seconds) as avg_wait_seconds,
        avg(talk_seconds) as avg_talk_seconds,
        avg(hold_seconds) as avg_hold_seconds,
        avg(acw_seconds) as avg_acw_seconds
    from enriched
    group by cost_month, channel, outcome

),

channel_averages as (

    select
        cost_month,
        channel,
        avg(case when is_handled then handle_seconds end) as channel_avg_handle_seconds,
        avg(case when is_handled then productive_handle_seconds end) as channel_avg_productive_seconds
    from enriched
    group by cost_month, channel

),

month_averages as (

    select
        cost_month,
        avg(case when is_handled then handle_seconds end) as month_avg_handle_seconds,
        avg(case when is_handled then productive_handle_seconds end) as month_avg_productive_seconds
    from enriched
    group by cost_month

),

averages as (

    select
        enriched.*,
        outcome_averages.avg_ivr_seconds,
        outcome_averages.avg_wait_seconds,
        outcome_averages.avg_talk_seconds,
        outcome_averages.avg_hold_seconds,
        outcome_averages.avg_acw_seconds,
        channel_averages.channel_avg_handle_seconds,
        channel_averages.channel_avg_productive_seconds,
        month_averages.month_avg_handle_seconds,
        month_averages.month_avg_productive_seconds
    from enriched
    left join outcome_averages
        on enriched.cost_month = outcome_averages.cost_month
            and enriched.channel is not distinct from outcome_averages.channel
            and enriched.outcome is not distinct from outcome_averages.outcome
    left join channel_averages
        on enriched.cost_month = channel_averages.cost_month
            and enriched.channel is not distinct from channel_averages.channel
    left join month_averages
        on enriched.cost_month = month_averages.cost_month

),

-- each component as known, else its average, else 0 (no call of the group carries it: it weighs
-- no call more than another); and the part of it that is estimated
components as (

    select
        *,
        coalesce(ivr_seconds, avg_ivr_seconds, 0) as ivr_used_seconds,
        coalesce(wait_seconds, avg_wait_seconds, 0) as wait_used_seconds,
        coalesce(talk_seconds, avg_talk_seconds, 0) as talk_used_seconds,
        coalesce(hold_seconds, avg_hold_seconds, 0) as hold_used_seconds,
        coalesce(acw_seconds, avg_acw_seconds, 0) as acw_used_seconds,
        case when ivr_seconds is null then coalesce(avg_ivr_seconds, 0) else 0 end
        + case when wait_seconds is null then coalesce(avg_wait_seconds, 0) else 0 end as estimated_wait_ivr_seconds,
        case when talk_seconds is null then coalesce(avg_talk_seconds, 0) else 0 end
        + case when hold_seconds is null then coalesce(avg_hold_seconds, 0) else 0 end as estimated_talk_hold_seconds,
        case when acw_seconds is null then coalesce(avg_acw_seconds, 0) else 0 end as estimated_acw_seconds,
        -- a call with no usage component known, itself or in its group: equal weight (one minute)
        source = 'telephony_calls'
        and coalesce(
            ivr_seconds, wait_seconds, talk_seconds, hold_seconds,
            avg_ivr_seconds, avg_wait_seconds, avg_talk_seconds, avg_hold_seconds
        ) is null as is_usage_unknown,
        case
            when handle_seconds is not null then 'known'
            when not is_handled then 'not_handled'
            when source = 'telephony_calls'
                and coalesce(avg_talk_seconds, avg_hold_seconds, avg_acw_seconds) is not null
                then 'component_average'
            when source <> 'telephony_calls' and channel_avg_handle_seconds is not null then 'channel_average'
            when month_avg_handle_seconds is not null then 'month_average'
            else 'equal_weight'
        end as handle_time_basis
    from averages

),

-- handle time: known; 0 for a contact nobody handled; else estimated by handle_time_basis
-- (equal_weight: nothing of the month is known, every handled contact counts one minute)
estimated as (

    select
        *,
        case handle_time_basis
            when 'known' then handle_seconds
            when 'not_handled' then 0
            when 'component_average' then talk_used_seconds + hold_used_seconds + acw_used_seconds
            when 'channel_average' then channel_avg_handle_seconds
            when 'month_average' then month_avg_handle_seconds
            else 60
        end as handle_used_seconds,
        case handle_time_basis
            when 'known' then productive_handle_seconds
            when 'not_handled' then 0
            when 'component_average' then talk_used_seconds + hold_used_seconds + acw_used_seconds
            when 'channel_average' then channel_avg_productive_seconds
            when 'month_average' then month_avg_productive_seconds
            else 60
        end as productive_used_seconds,
        case handle_time_basis
            when 'known' then 0
            when 'not_handled' then 0
            when 'component_average' then estimated_talk_hold_seconds + estimated_acw_seconds
            when 'channel_average' then channel_avg_productive_seconds
            when 'month_average' then month_avg_productive_seconds
            else 60
        end as estimated_productive_seconds
    from components

),

final as (

    select
        interaction_id,
        cost_month,
        interaction_date,
        channel,
        platform,
        is_assisted,
        customer_id,
        contact_reason,
        agent_id,
        agent_cost_center,
        agent_fte,
        labour_cost_pool,
        is_handled,
        is_resolved,
        handle_time_basis,
        {{ cost_seconds_to_minutes('handle_used_seconds') }} as handle_minutes,
        -- agent time, chat minutes divided by concurrency (int_interactions__unioned)
        {{ cost_seconds_to_minutes('productive_used_seconds') }} as productive_handle_minutes,
        {{ cost_seconds_to_minutes('estimated_productive_seconds') }} as estimated_productive_handle_minutes,
        -- time connected to the platform: calls IVR + queue + talk + hold, other contacts wait + handle time
        {{ cost_seconds_to_minutes(
            "case when is_usage_unknown then 60
                when source = 'telephony_calls'
                    then ivr_used_seconds + wait_used_seconds + talk_used_seconds + hold_used_seconds
                else wait_used_seconds + handle_used_seconds end"
        ) }} as usage_minutes,
        {{ cost_seconds_to_minutes(
            "case when is_usage_unknown then 60
                when source = 'telephony_calls' then estimated_wait_ivr_seconds + estimated_talk_hold_seconds
                else estimated_wait_ivr_seconds
                    + case when handle_time_basis in ('known', 'not_handled') then 0 else handle_used_seconds end end"
        ) }} as estimated_usage_minutes
    from estimated

)

select * from final
