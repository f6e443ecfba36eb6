{#- Generic tests of the staffing model and the scenarios (docs/decisions/staffing.md). -#}

{#-
    Seed scenarios: each row has the parameters its type needs, in range. One failing row
    per problem, naming the scenario and the rule broken (what to fix in seeds/scenarios.csv).
-#}
{% test scenario_parameters_are_valid(model) %}

{%- set day_names = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] -%}
{%- set leftover_days = namespace(expr="lower(coalesce(weekdays, ''))") -%}
{%- for day in day_names + [' '] -%}
    {%- set leftover_days.expr = "replace(" ~ leftover_days.expr ~ ", '" ~ day ~ "', '')" -%}
{%- endfor -%}
with

rules as (

    select scenario_id, scenario_type, 'channel_shift needs contact_reason, channel, to_channel and shift_share in [0, 1]' as problem
    from {{ model }}
    where scenario_type = 'channel_shift'
      and (contact_reason is null or channel is null or to_channel is null or shift_share is null
           or shift_share < 0 or shift_share > 1)

    union all
    select scenario_id, scenario_type, 'annual_volume is for channel_shift only, and must be > 0'
    from {{ model }}
    where annual_volume is not null and (scenario_type <> 'channel_shift' or annual_volume <= 0)

    union all
    select scenario_id, scenario_type, 'unit_cost_basis benchmark needs an annual_volume (the history is priced on actual cost)'
    from {{ model }}
    where unit_cost_basis = 'benchmark' and annual_volume is null

    union all
    select scenario_id, scenario_type, 'closing_hours needs channel inbound_call or chat and weekdays or a time window'
    from {{ model }}
    where scenario_type = 'closing_hours'
      and (channel not in {{ kpi_channel_list('queued') }} or (weekdays is null and from_time is null))

    union all
    select scenario_id, scenario_type, 'closing_hours: open_hours_share and to_channel_share must be >= 0 and add up to at most 1; to_channel_share needs to_channel'
    from {{ model }}
    where scenario_type = 'closing_hours'
      and (coalesce(open_hours_share, 0) < 0 or coalesce(to_channel_share, 0) < 0
           or coalesce(open_hours_share, 0) + coalesce(to_channel_share, 0) > 1
           or (coalesce(to_channel_share, 0) > 0 and to_channel is null))

    union all
    select scenario_id, scenario_type, 'aht_change needs exactly one of aht_cap_seconds (> 0) and aht_change_share (> -1)'
    from {{ model }}
    where scenario_type = 'aht_change'
      and not ((aht_cap_seconds > 0 and aht_change_share is null)
               or (aht_cap_seconds is null and aht_change_share > -1))

    union all
    select scenario_id, scenario_type, 'outsourcing needs outsource_share in (0, 1] and exactly one of vendor_price_per_minute and vendor_price_per_contact (>= 0)'
    from {{ model }}
    where scenario_type = 'outsourcing'
      and not (outsource_share > 0 and outsource_share <= 1
               and ((vendor_price_per_minute >= 0 and vendor_price_per_contact is null)
                    or (vendor_price_per_minute is null and vendor_price_per_contact >= 0)))

    union all
    select scenario_id, scenario_type, 'automation needs contact_reason, to_channel ivr, chatbot or self_service and containment_points in (0, 1]'
    from {{ model }}
    where scenario_type = 'automation'
      and (contact_reason is null or to_channel is null or to_channel not in ('ivr', 'chatbot', 'self_service')
           or containment_points is null or containment_points <= 0 or containment_points > 1)

    union all
    select scenario_id, scenario_type, 'weekdays: three-letter day names (mon tue wed thu fri sat sun) separated by spaces'
    from {{ model }}
    where weekdays is not null and {{ leftover_days.expr }} <> ''

    union all
    select scenario_id, scenario_type, 'from_time and to_time: both or neither, HH:MM on a half-hour, 00:00 to 24:00, not equal'
    from {{ model }}
    where (from_time is null) <> (to_time is null)
       or (from_time is not null and (
            {{ staffing_time_minutes('from_time') }} is null or {{ staffing_time_minutes('to_time') }} is null
            or {{ staffing_time_minutes('from_time') }} = {{ staffing_time_minutes('to_time') }}))

)

select * from rules

{% endtest %}
