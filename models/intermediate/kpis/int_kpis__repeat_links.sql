{#-
    One row per contact that was followed by a repeat: the earlier contact and "the repeat",
    the FIRST later contact (by start, ties by interaction_id) of the same customer on any
    channel within repeat_window_days days of the earlier contact's start, about the same
    contact reason (either reason 'unknown' matches any reason). Customer-initiated channels
    only (outbound calls are neither side); contacts without customer_id never link.
    Bounded self-join: equality on customer_id plus a time range (docs/decisions/kpis.md K6).
-#}
{#- Incremental by the business-local month of the earlier contact (int_refresh__months already
    widens a changed contact's day by repeat_window_days both ways; docs/decisions/performance.md P4). -#}
{{ incremental_by_month('earlier_interaction_month') }}
with

contacts as (

    select
        interaction_id,
        channel,
        customer_id,
        contact_reason,
        started_at_utc,
        interaction_date
    from {{ ref('fct_interactions') }}
    where customer_id is not null
        and channel in {{ kpi_channel_list('customer_initiated') }}
    {%- if is_incremental() %}
      -- earlier contacts of the months rebuilt, and the later contacts that can repeat them
      and (
          {{ in_rebuilt_months('interaction_month') }}
          or {{ in_rebuilt_months(dbt.dateadd('month', -1, 'interaction_month')) }}
      )
    {%- endif %}

),

candidates as (

    select
        earlier.interaction_id as earlier_interaction_id,
        earlier.customer_id,
        earlier.channel as earlier_channel,
        earlier.contact_reason as earlier_contact_reason,
        earlier.started_at_utc as earlier_started_at_utc,
        earlier.interaction_date as earlier_interaction_date,
        later.interaction_id as repeat_interaction_id,
        later.channel as repeat_channel,
        later.contact_reason as repeat_contact_reason,
        later.started_at_utc as repeat_started_at_utc,
        later.interaction_date as repeat_interaction_date,
        row_number() over (
            partition by earlier.interaction_id
            order by later.started_at_utc, later.interaction_id
        ) as candidate_rank
    from contacts as earlier
    inner join contacts as later
        on earlier.customer_id = later.customer_id
            and earlier.started_at_utc < later.started_at_utc
            and later.started_at_utc <= {{ dbt.dateadd('day', kpi_repeat_window_days(), 'earlier.started_at_utc') }}
            and (
                earlier.contact_reason = later.contact_reason
                or earlier.contact_reason = 'unknown'
                or later.contact_reason = 'unknown'
            )
    {%- if is_incremental() %}
    where {{ in_rebuilt_months(month_of('earlier.interaction_date')) }}
    {%- endif %}

),

final as (

    select
        earlier_interaction_id,
        repeat_interaction_id,
        customer_id,
        earlier_channel,
        repeat_channel,
        earlier_contact_reason,
        repeat_contact_reason,
        earlier_started_at_utc,
        repeat_started_at_utc,
        earlier_interaction_date,
        repeat_interaction_date,
        cast({{ dbt.date_trunc('month', 'earlier_interaction_date') }} as date) as earlier_interaction_month,
        {{ kpi_hours_between('earlier_started_at_utc', 'repeat_started_at_utc') }} as hours_between,
        earlier_channel <> repeat_channel as is_cross_channel,
        earlier_contact_reason = repeat_contact_reason as is_same_reason
    from candidates
    where candidate_rank = 1

)

select * from final
