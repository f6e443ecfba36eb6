{#-
    Survey KPIs per business-local response day x channel x contact reason x agent of the
    rated interaction: CSAT top-2-box, NPS, CES mean and share 5-7, survey FCR, with their
    components. Responses whose interaction is not in the warehouse are kept on rows with
    channel = 'unmatched' and contact_reason = 'unmatched' (is_matched = false). A response
    without a response time is on its rated interaction's day (responses_without_response_time).
-#}
with

responses as (

    select * from {{ ref('int_kpis__survey_responses') }}

),

labelled as (

    select
        response_date,
        agent_id,
        is_matched,
        csat_response,
        csat_satisfied,
        nps_response,
        nps_promoter,
        nps_detractor,
        ces_response,
        ces_easy,
        survey_fcr_response,
        survey_fcr_resolved,
        case when is_response_time_known then 0 else 1 end as without_response_time,
        coalesce(channel, 'unmatched') as channel,
        coalesce(contact_reason, 'unmatched') as contact_reason,
        coalesce(ces, 0) as ces_value
    from responses

),

aggregated as (

    select
        response_date,
        channel,
        contact_reason,
        agent_id,
        is_matched,
        cast(count(*) as bigint) as responses,
        {{ kpi_sum_int('without_response_time') }} as responses_without_response_time,
        {{ kpi_sum_int('csat_satisfied') }} as csat_satisfied,
        {{ kpi_sum_int('csat_response') }} as csat_responses,
        {{ kpi_sum_int('nps_promoter') }} as nps_promoters,
        {{ kpi_sum_int('nps_detractor') }} as nps_detractors,
        {{ kpi_sum_int('nps_response') }} as nps_responses,
        {{ kpi_sum_int('ces_value') }} as ces_score_sum,
        {{ kpi_sum_int('ces_easy') }} as ces_easy,
        {{ kpi_sum_int('ces_response') }} as ces_responses,
        {{ kpi_sum_int('survey_fcr_resolved') }} as survey_fcr_resolved,
        {{ kpi_sum_int('survey_fcr_response') }} as survey_fcr_responses
    from labelled
    group by response_date, channel, contact_reason, agent_id, is_matched

),

final as (

    select
        response_date,
        channel,
        contact_reason,
        agent_id,
        is_matched,
        responses,
        responses_without_response_time,
        csat_satisfied,
        csat_responses,
        {{ safe_divide('csat_satisfied', 'csat_responses') }} as csat_rate,
        nps_promoters,
        nps_detractors,
        nps_responses,
        {{ safe_divide('100 * (nps_promoters - nps_detractors)', 'nps_responses') }} as nps_points,
        ces_score_sum,
        ces_easy,
        ces_responses,
        {{ safe_divide('ces_score_sum', 'ces_responses') }} as ces_score,
        {{ safe_divide('ces_easy', 'ces_responses') }} as ces_easy_rate,
        survey_fcr_resolved,
        survey_fcr_responses,
        {{ safe_divide('survey_fcr_resolved', 'survey_fcr_responses') }} as survey_fcr_rate
    from aggregated

)

select * from final
