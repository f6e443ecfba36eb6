{#-
    One row per survey response, joined to the interaction it rates (fct_interactions on
    source + source id). Responses whose interaction is not in the warehouse are KEPT with
    is_matched = false and null interaction attributes: they are counted, never dropped; so are
    responses without a response time (dated by the rated interaction).
    Per-response 0/1 flags of the survey KPIs (docs/decisions/kpis.md K8).
-#}
with

responses as (

    select * from {{ ref('stg_surveys__responses') }}

),

interactions as (

    select
        interaction_id,
        source,
        source_interaction_id,
        channel,
        contact_reason,
        agent_id,
        team,
        interaction_date
    from {{ ref('fct_interactions') }}

),

joined as (

    select
        responses.survey_id,
        responses.interaction_source,
        responses.interaction_id as source_interaction_id,
        interactions.interaction_id,
        interactions.interaction_id is not null as is_matched,
        interactions.channel,
        interactions.contact_reason,
        interactions.agent_id,
        interactions.team,
        interactions.interaction_date,
        responses.responded_at_utc,
        {{ utc_to_business_time('responses.responded_at_utc') }} as responded_at_local,
        responses.csat,
        responses.nps,
        responses.ces,
        responses.is_resolved
    from responses
    left join interactions
        on responses.interaction_source = interactions.source
            and responses.interaction_id = interactions.source_interaction_id

),

final as (

    select
        survey_id,
        interaction_source,
        source_interaction_id,
        interaction_id,
        is_matched,
        channel,
        contact_reason,
        agent_id,
        team,
        interaction_date,
        responded_at_utc,
        responded_at_local,
        csat,
        nps,
        ces,
        is_resolved,
        -- an unknown response time does not drop the response: it rates its interaction, whose
        -- date it takes (null only when unmatched too)
        coalesce(cast(responded_at_local as date), interaction_date) as response_date,
        responded_at_utc is not null as is_response_time_known,
        case when csat is not null then 1 else 0 end as csat_response,
        case when csat >= 4 then 1 else 0 end as csat_satisfied,
        case when nps is not null then 1 else 0 end as nps_response,
        case when nps >= 9 then 1 else 0 end as nps_promoter,
        case when nps <= 6 then 1 else 0 end as nps_detractor,
        case when ces is not null then 1 else 0 end as ces_response,
        case when ces >= 5 then 1 else 0 end as ces_easy,
        case when is_resolved is not null then 1 else 0 end as survey_fcr_response,
        case when is_resolved then 1 else 0 end as survey_fcr_resolved
    from joined

)

select * from final
