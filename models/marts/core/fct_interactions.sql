{#- One row per customer interaction, every channel: the conformed fact (see _core__models.yml). -#}
{{ incremental_by_month('interaction_month') }}
with

interactions as (

    select * from {{ ref('int_interactions__unioned') }}
    -- customer contacts only: deleted, merged and follow-up tickets are in fct_cases
    where is_customer_contact
    {{ incremental_months_filter('interaction_month', 'and') }}

),

agents as (

    select
        agent_id,
        team
    from {{ ref('stg_hr__agents') }}

),

-- allocated cost per interaction (cost allocation, docs/decisions/cost_allocation.md)
costs as (

    select
        interaction_id,
        labour_cost,
        platform_cost,
        overhead_cost,
        total_cost
    from {{ ref('int_interactions__costs') }}
    {{ incremental_months_filter('cost_month') }}

),

final as (

    select
        interactions.interaction_id,
        interactions.source,
        interactions.source_interaction_id,
        interactions.channel,
        interactions.is_assisted,
        interactions.customer_id,
        interactions.agent_id,
        agents.team,
        coalesce(interactions.contact_reason, 'unknown') as contact_reason,
        interactions.started_at_utc,
        interactions.started_at_local,
        interactions.interaction_date,
        interactions.interaction_month,
        interactions.hour_of_day,
        interactions.ivr_seconds,
        interactions.wait_seconds,
        interactions.handle_seconds,
        interactions.talk_seconds,
        interactions.hold_seconds,
        interactions.acw_seconds,
        interactions.concurrency,
        interactions.productive_handle_seconds,
        interactions.outcome,
        interactions.is_queued,
        interactions.is_handled,
        interactions.is_abandoned,
        interactions.is_contained,
        interactions.is_transferred,
        interactions.is_solved,
        interactions.first_response_at_utc,
        interactions.solved_at_utc,
        interactions.reopen_count,
        {{ cost_money('coalesce(costs.labour_cost, 0)', 6) }} as labour_cost_amount,
        {{ cost_money('coalesce(costs.platform_cost, 0)', 6) }} as platform_cost_amount,
        {{ cost_money('coalesce(costs.overhead_cost, 0)', 6) }} as overhead_cost_amount,
        {{ cost_money('coalesce(costs.total_cost, 0)', 6) }} as total_cost_amount,
        '{{ var("reporting_currency") }}' as currency,
        interactions._file_name,
        interactions._row_number
    from interactions
    left join agents
        on interactions.agent_id = agents.agent_id
    left join costs
        on interactions.interaction_id = costs.interaction_id

)

select * from final
