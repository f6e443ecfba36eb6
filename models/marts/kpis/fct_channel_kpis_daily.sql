{#-
    Contact-center KPIs per business-local day x channel, with the numerator and
    denominator of every ratio (see _kpis__models.yml, docs/decisions/kpis.md).
    Every day from the first to the last interaction date x every channel that has
    interactions: a quiet day has offered = 0 and null ratios. A KPI that does not
    apply to a channel is null on its row (components too), not zero.
-#}
{#- Incremental by business-local month (docs/decisions/performance.md P3, P16). The grid is
    global (first to last day x every channel seen), so the months rebuilt are the refresh months
    and the grid's changed months (refresh_months_and_kpi_grid); every input below is read for
    exactly those months. -#}
{{ incremental_by_month(month_of('kpi_date'), 'refresh_months_and_kpi_grid') }}
with

all_interactions as (

    select
        interaction_date,
        channel
    from {{ ref('fct_interactions') }}

),

interactions as (

    select * from {{ ref('fct_interactions') }}
    {{ incremental_months_filter('interaction_month') }}

),

repeat_links as (

    select * from {{ ref('int_kpis__repeat_links') }}
    {%- if is_incremental() %}
    where {{ in_rebuilt_months('earlier_interaction_month') }}
       or {{ in_rebuilt_months(month_of('repeat_interaction_date')) }}
    {%- endif %}

),

surveys as (

    select * from {{ ref('int_kpis__survey_responses') }}
    where is_matched
    {{ incremental_months_filter(month_of('interaction_date'), 'and') }}

),

bounds as (

    select
        min(interaction_date) as start_date,
        max(interaction_date) as end_date
    from all_interactions

),

days as (

    {{ date_spine('bounds') }}

),

channels as (

    select distinct channel from all_interactions

),

grid as (

    select
        days.date_day as kpi_date,
        channels.channel
    from days
    cross join channels
    {{ incremental_months_filter(month_of('days.date_day')) }}

),

contact_components as (

    select
        interaction_date as kpi_date,
        channel,
        cast(count(*) as bigint) as offered,
        {{ kpi_count_if('is_handled') }} as handled,
        {{ kpi_queue_components() }},
        -- AHT: calls talk + hold + acw, chats and cases their logged handle time; handled contacts
        -- with a known handle time
        {{ kpi_sum_if('is_handled and ' ~ kpi_aht_seconds_expr() ~ ' is not null', kpi_aht_seconds_expr(), 'bigint') }}
            as aht_handle_seconds_sum,
        {{ kpi_count_if('is_handled and ' ~ kpi_aht_seconds_expr() ~ ' is not null') }} as aht_handled_count,
        {{ kpi_count_if('is_transferred') }} as transferred,
        {{ kpi_count_if('customer_id is not null') }} as fcr_contacts
    from interactions
    group by interaction_date, channel

),

-- containment is reported on the unassisted channel's row, over all contacts of its medium:
-- ivr = ivr_self_served / all inbound calls (inbound_call + ivr, ivr_abandoned included: a hang-up in
-- the menu is not contained); chatbot = bot_resolved / all chats (chat + chatbot);
-- self_service = completed / sessions
containment_components as (

    select
        interaction_date as kpi_date,
        case
            when channel in ('inbound_call', 'ivr') then 'ivr'
            when channel in ('chat', 'chatbot') then 'chatbot'
            else channel
        end as channel,
        {{ kpi_count_if("channel in " ~ kpi_channel_list('contained') ~ " and is_contained") }}
            as containment_contained,
        cast(count(*) as bigint) as containment_denominator
    from interactions
    where channel in ('inbound_call', 'ivr', 'chat', 'chatbot', 'self_service')
    group by
        interaction_date,
        case
            when channel in ('inbound_call', 'ivr') then 'ivr'
            when channel in ('chat', 'chatbot') then 'chatbot'
            else channel
        end

),

repeat_generators as (

    select
        earlier_interaction_date as kpi_date,
        earlier_channel as channel,
        cast(count(*) as bigint) as repeat_generating_contacts
    from repeat_links
    group by earlier_interaction_date, earlier_channel

),

repeats as (

    select
        repeat_interaction_date as kpi_date,
        repeat_channel as channel,
        cast(count(distinct repeat_interaction_id) as bigint) as repeat_contacts
    from repeat_links
    group by repeat_interaction_date, repeat_channel

),

survey_components as (

    select
        interaction_date as kpi_date,
        channel,
        {{ kpi_sum_int('survey_fcr_resolved') }} as survey_fcr_resolved,
        {{ kpi_sum_int('survey_fcr_response') }} as survey_fcr_responses,
        {{ kpi_sum_int('csat_satisfied') }} as csat_satisfied,
        {{ kpi_sum_int('csat_response') }} as csat_responses,
        {{ kpi_sum_int('nps_promoter') }} as nps_promoters,
        {{ kpi_sum_int('nps_detractor') }} as nps_detractors,
        {{ kpi_sum_int('nps_response') }} as nps_responses,
        {{ kpi_sum_if('ces is not null', 'ces', 'bigint') }} as ces_score_sum,
        {{ kpi_sum_int('ces_easy') }} as ces_easy,
        {{ kpi_sum_int('ces_response') }} as ces_responses
    from surveys
    group by interaction_date, channel

),

components as (

    select
        grid.kpi_date,
        grid.channel,
        coalesce(contact_components.offered, 0) as offered,
        {{ kpi_for_channels('assisted', 'grid.channel', 'coalesce(contact_components.handled, 0)') }} as handled,
        {{ kpi_for_channels('queued', 'grid.channel', 'coalesce(contact_components.answered, 0)') }} as answered,
        {{ kpi_for_channels('queued', 'grid.channel', 'coalesce(contact_components.abandoned, 0)') }} as abandoned,
        {{ kpi_for_channels('queued', 'grid.channel', 'coalesce(contact_components.abandoned_known_wait_count, 0)') }}
            as abandoned_known_wait_count,
        {{ kpi_for_channels('queued', 'grid.channel', 'coalesce(contact_components.short_abandoned, 0)') }}
            as short_abandoned,
        {{ kpi_for_channels('queued', 'grid.channel', 'coalesce(contact_components.asa_wait_seconds_sum, 0)') }}
            as asa_wait_seconds_sum,
        {{ kpi_for_channels('queued', 'grid.channel', 'coalesce(contact_components.asa_answered_count, 0)') }}
            as asa_answered_count,
        {{ kpi_for_channels('assisted', 'grid.channel', 'coalesce(contact_components.aht_handle_seconds_sum, 0)') }}
            as aht_handle_seconds_sum,
        {{ kpi_for_channels('assisted', 'grid.channel', 'coalesce(contact_components.aht_handled_count, 0)') }}
            as aht_handled_count,
        {{ kpi_sl_threshold('grid.channel') }} as sl_threshold_seconds,
        {{ kpi_for_channels('queued', 'grid.channel', 'coalesce(contact_components.sl_answered_within_threshold, 0)') }}
            as sl_answered_within_threshold,
        {{ kpi_for_channels('queued', 'grid.channel', 'coalesce(contact_components.sl_abandoned_after_threshold, 0)') }}
            as sl_abandoned_after_threshold,
        {{ kpi_for_channels('queued', 'grid.channel', 'coalesce(contact_components.sl_denominator, 0)') }}
            as sl_denominator,
        {{ kpi_for_channels('queued', 'grid.channel', 'coalesce(contact_components.sl_unknown_wait_count, 0)') }}
            as sl_unknown_wait_count,
        {{ kpi_for_channels('contained', 'grid.channel', 'coalesce(containment_components.containment_contained, 0)') }}
            as containment_contained,
        {{ kpi_for_channels(
            'contained', 'grid.channel', 'coalesce(containment_components.containment_denominator, 0)'
        ) }}
            as containment_denominator,
        {{ kpi_for_channels('calls', 'grid.channel', 'coalesce(contact_components.transferred, 0)') }} as transferred,
        {{ kpi_for_channels('calls', 'grid.channel', 'coalesce(contact_components.answered, 0)') }}
            as transfer_answered_count,
        {{ kpi_for_channels('customer_initiated', 'grid.channel', 'coalesce(contact_components.fcr_contacts, 0)') }}
            as fcr_contacts,
        {{ kpi_for_channels(
            'customer_initiated', 'grid.channel', 'coalesce(repeat_generators.repeat_generating_contacts, 0)'
        ) }}
            as repeat_generating_contacts,
        {{ kpi_for_channels('customer_initiated', 'grid.channel', 'coalesce(repeats.repeat_contacts, 0)') }}
            as repeat_contacts,
        coalesce(survey_components.survey_fcr_resolved, 0) as survey_fcr_resolved,
        coalesce(survey_components.survey_fcr_responses, 0) as survey_fcr_responses,
        coalesce(survey_components.csat_satisfied, 0) as csat_satisfied,
        coalesce(survey_components.csat_responses, 0) as csat_responses,
        coalesce(survey_components.nps_promoters, 0) as nps_promoters,
        coalesce(survey_components.nps_detractors, 0) as nps_detractors,
        coalesce(survey_components.nps_responses, 0) as nps_responses,
        coalesce(survey_components.ces_score_sum, 0) as ces_score_sum,
        coalesce(survey_components.ces_easy, 0) as ces_easy,
        coalesce(survey_components.ces_responses, 0) as ces_responses
    from grid
    left join contact_components
        on grid.kpi_date = contact_components.kpi_date
            and grid.channel = contact_components.channel
    left join containment_components
        on grid.kpi_date = containment_components.kpi_date
            and grid.channel = containment_components.channel
    left join repeat_generators
        on grid.kpi_date = repeat_generators.kpi_date
            and grid.channel = repeat_generators.channel
    left join repeats
        on grid.kpi_date = repeats.kpi_date
            and grid.channel = repeats.channel
    left join survey_components
        on grid.kpi_date = survey_components.kpi_date
            and grid.channel = survey_components.channel

),

final as (

    select
        components.kpi_date,
        components.channel,
        -- FCR / repeat figures of a day are final once every contact of the day has had its
        -- full repeat window inside the data (the last day of the data may be partial)
        {{ dbt.dateadd('day', kpi_repeat_window_days(), 'components.kpi_date') }}
        < bounds.end_date as is_repeat_window_complete,
        {{ kpi_ratio_columns() }}
    from components
    cross join bounds

)

select * from final
