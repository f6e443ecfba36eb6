{#-
    What each scenario of seed `scenarios` changes on the history, per 30-minute interval x
    channel x agent team (docs/decisions/staffing.md ST6). Only the changed cells have a row;
    the rest of the history is the baseline. Scenarios with a given annual_volume are
    stand-alone cases without history (rpt_channel_shift_scenarios) and have no row.
      *_change        signed change of offered contacts, handled contacts, workload seconds
                      (agent time, chat divided by concurrency): what the re-staffing sees
      removed_volume  contacts that leave the cell (moved elsewhere, outsourced, lost)
      added_volume    contacts that arrive in the cell (from another channel or other hours)
      lost_volume     contacts that are gone entirely (a closed window's share nobody recovers)
      aht_workload_saved_seconds  workload removed by shorter handling (aht_change)
      outsourced_*    what the vendor handles and bills
    A contact moved to another channel arrives in the same interval, is served by that
    channel's teams in proportion to their handled contacts that month, with that channel's
    handle time for the reason that month (else the channel's); unassisted channels need no agent.
-#}
{{ incremental_by_month('interval_month') }}
with

scenarios as (

    select
        scenario_id,
        scenario_type,
        contact_reason,
        channel,
        queue,
        weekdays,
        {{ staffing_time_minutes('from_time') }} as from_minute,
        {{ staffing_time_minutes('to_time') }} as to_minute,
        to_channel,
        cast(shift_share as {{ type_double() }}) as shift_share,
        cast(open_hours_share as {{ type_double() }}) as open_hours_share,
        cast(to_channel_share as {{ type_double() }}) as to_channel_share,
        cast(aht_cap_seconds as {{ type_double() }}) as aht_cap_seconds,
        cast(aht_change_share as {{ type_double() }}) as aht_change_share,
        cast(outsource_share as {{ type_double() }}) as outsource_share,
        cast(containment_points as {{ type_double() }}) as containment_points
    from {{ ref('scenarios') }}
    where annual_volume is null

),

contacts as (

    select * from {{ ref('int_staffing__contacts') }}
    {{ incremental_months_filter('interval_month') }}

),

-- contacts summed per cell and filter attributes: what every scenario but aht_change reads
cells as {{ materialized_cte() }} (

    select
        interval_start_local,
        interval_month,
        interval_day_of_week,
        interval_minute_of_day,
        channel,
        is_assisted,
        queue,
        contact_reason,
        cost_pool,
        sum(team_share) as volume,
        sum(case when is_handled then team_share else 0 end) as handled,
        -- handled contacts whose handle time is known or estimated (int_staffing__contacts): the AHT's base
        sum(case when is_handled and workload_seconds is not null then team_share else 0 end) as aht_handled,
        sum(workload_seconds) as workload_seconds,
        sum(handle_seconds) as handle_seconds
    from contacts
    group by
        interval_start_local, interval_month, interval_day_of_week, interval_minute_of_day,
        channel, is_assisted, queue, contact_reason, cost_pool

),

-- destination of moved contacts: the channel's teams and handle time that month
channel_teams as (

    select
        interval_month,
        channel,
        cost_pool,
        sum(handled) / sum(sum(handled)) over (partition by interval_month, channel) as team_share
    from cells
    where handled > 0
    group by interval_month, channel, cost_pool

),

channel_aht as (

    select
        interval_month,
        channel,
        contact_reason,
        sum(workload_seconds) / sum(aht_handled) as workload_per_contact,
        sum(handle_seconds) / sum(aht_handled) as handle_per_contact
    from cells
    where aht_handled > 0
    group by interval_month, channel, contact_reason

    union all

    select
        interval_month,
        channel,
        cast(null as {{ dbt.type_string() }}) as contact_reason,
        sum(workload_seconds) / sum(aht_handled) as workload_per_contact,
        sum(handle_seconds) / sum(aht_handled) as handle_per_contact
    from cells
    where aht_handled > 0
    group by interval_month, channel

),

-- automation: the share of the assisted channel's contacts that x more points of containment move
automation_shares as (

    select
        scenarios.scenario_id,
        cells.interval_month,
        case
            when sum(case
                    when cells.channel = scenarios.channel then cells.volume else 0 end) > 0 then least(
                    1.0,
                    scenarios.containment_points * sum(cells.volume)
                    / sum(case when cells.channel = scenarios.channel then cells.volume else 0 end)
                )
        end as moved_share
    from scenarios
    inner join cells
        on cells.channel in (scenarios.channel, scenarios.to_channel)  -- noqa: ST09
            and scenarios.contact_reason = cells.contact_reason
            and (scenarios.queue is null or scenarios.channel <> cells.channel or scenarios.queue = cells.queue)
            and {{ scenario_in_window('scenarios', 'cells') }}
    where scenarios.scenario_type = 'automation'
    group by scenarios.scenario_id, cells.interval_month, scenarios.containment_points

),

-- the cells each scenario acts on, with the share of their contacts that leaves them
selected as {{ materialized_cte() }} (

    select
        cells.*,
        scenarios.scenario_id,
        scenarios.scenario_type,
        scenarios.to_channel,
        scenarios.open_hours_share,
        scenarios.outsource_share,
        case scenarios.scenario_type
            when 'channel_shift' then scenarios.shift_share
            when 'automation' then coalesce(automation_shares.moved_share, 0)
            when 'closing_hours' then 1.0
            when 'outsourcing' then scenarios.outsource_share
        end as leaving_share,
        -- of the leaving contacts, the share that arrives on to_channel in the same interval
        case scenarios.scenario_type
            when 'channel_shift' then 1.0
            when 'automation' then 1.0
            when 'closing_hours' then coalesce(scenarios.to_channel_share, 0)
            else 0.0
        end as to_channel_part,
        case scenarios.scenario_type
            when 'closing_hours' then coalesce(scenarios.open_hours_share, 0)
            else 0.0
        end as open_hours_part
    from scenarios
    inner join cells
        on {{ scenario_selects('scenarios', 'cells') }}
    left join automation_shares
        on automation_shares.scenario_id = scenarios.scenario_id
            and automation_shares.interval_month = cells.interval_month
    where scenarios.scenario_type in ('channel_shift', 'automation', 'closing_hours', 'outsourcing')

),

-- closing_hours: the same channel, team and filter outside the closed window, per month
open_cells as (

    select
        cells.*,
        scenarios.scenario_id
    from scenarios
    inner join cells
        on
            {{ scenario_selects('scenarios', 'cells', with_time=false) }}
            and not {{ scenario_in_window('scenarios', 'cells') }}
    where scenarios.scenario_type = 'closing_hours'
        and coalesce(scenarios.open_hours_share, 0) > 0

),

open_volumes as (

    select
        scenario_id,
        interval_month,
        channel,
        cost_pool,
        sum(volume) as open_volume
    from open_cells
    group by scenario_id, interval_month, channel, cost_pool

),

returning_volumes as (

    select
        scenario_id,
        interval_month,
        channel,
        cost_pool,
        sum(volume * open_hours_part) as returning_volume
    from selected
    where open_hours_part > 0
    group by scenario_id, interval_month, channel, cost_pool

),

leaving as (

    select
        selected.scenario_id,
        selected.interval_start_local,
        selected.interval_month,
        selected.channel,
        selected.cost_pool,
        -selected.leaving_share * selected.volume as offered_change,
        -selected.leaving_share * selected.handled as handled_change,
        -selected.leaving_share * selected.workload_seconds as workload_change_seconds,
        selected.leaving_share * selected.volume as removed_volume,
        0.0 as added_volume,
        case when selected.scenario_type = 'closing_hours'
                then
                    selected.volume * (
                        1 - selected.to_channel_part
                        - case when open_volumes.open_volume > 0 then selected.open_hours_part else 0 end
                    )
            else 0.0
        end as lost_volume,
        selected.leaving_share * selected.volume as affected_volume,
        0.0 as aht_workload_saved_seconds,
        case when selected.scenario_type = 'outsourcing' then selected.leaving_share * selected.handled else 0.0 end
            as outsourced_contacts,
        case
            when
                selected.scenario_type = 'outsourcing'
                then selected.leaving_share * selected.handle_seconds / 60.0
            else 0.0
        end
            as outsourced_handle_minutes
    from selected
    left join open_volumes
        on selected.scenario_id = open_volumes.scenario_id
            and selected.interval_month = open_volumes.interval_month
            and selected.channel = open_volumes.channel
            and selected.cost_pool = open_volumes.cost_pool

),

-- closing_hours: the returning contacts spread over the open cells like their own traffic
returned as (

    select
        open_cells.scenario_id,
        open_cells.interval_start_local,
        open_cells.interval_month,
        open_cells.channel,
        open_cells.cost_pool,
        open_cells.volume * returning_volumes.returning_volume / open_volumes.open_volume as offered_change,
        open_cells.handled * returning_volumes.returning_volume / open_volumes.open_volume as handled_change,
        open_cells.workload_seconds
        * returning_volumes.returning_volume
        / open_volumes.open_volume as workload_change_seconds,
        0.0 as removed_volume,
        open_cells.volume * returning_volumes.returning_volume / open_volumes.open_volume as added_volume,
        0.0 as lost_volume,
        0.0 as affected_volume,
        0.0 as aht_workload_saved_seconds,
        0.0 as outsourced_contacts,
        0.0 as outsourced_handle_minutes
    from open_cells
    inner join open_volumes
        on open_cells.scenario_id = open_volumes.scenario_id
            and open_cells.interval_month = open_volumes.interval_month
            and open_cells.channel = open_volumes.channel
            and open_cells.cost_pool = open_volumes.cost_pool
    inner join returning_volumes
        on open_cells.scenario_id = returning_volumes.scenario_id
            and open_cells.interval_month = returning_volumes.interval_month
            and open_cells.channel = returning_volumes.channel
            and open_cells.cost_pool = returning_volumes.cost_pool
    where open_volumes.open_volume > 0

),

moved as (

    select
        scenario_id,
        interval_start_local,
        interval_month,
        to_channel,
        contact_reason,
        sum(volume * leaving_share * to_channel_part) as moved_volume
    from selected
    where to_channel_part > 0
    group by scenario_id, interval_start_local, interval_month, to_channel, contact_reason

),

arriving as (

    select
        moved.scenario_id,
        moved.interval_start_local,
        moved.interval_month,
        moved.to_channel as channel,
        coalesce(channel_teams.cost_pool, 'unassigned') as cost_pool,
        moved.moved_volume * coalesce(channel_teams.team_share, 1.0) as offered_change,
        case when channel_teams.cost_pool is null then 0.0
            else moved.moved_volume * channel_teams.team_share
        end as handled_change,
        case when channel_teams.cost_pool is null then 0.0
            else moved.moved_volume * channel_teams.team_share
                * coalesce(reason_aht.workload_per_contact, any_reason_aht.workload_per_contact, 0)
        end
            as workload_change_seconds,
        0.0 as removed_volume,
        moved.moved_volume * coalesce(channel_teams.team_share, 1.0) as added_volume,
        0.0 as lost_volume,
        0.0 as affected_volume,
        0.0 as aht_workload_saved_seconds,
        0.0 as outsourced_contacts,
        0.0 as outsourced_handle_minutes
    from moved
    left join channel_teams
        on moved.interval_month = channel_teams.interval_month
            and moved.to_channel = channel_teams.channel
    left join channel_aht as reason_aht
        on moved.interval_month = reason_aht.interval_month
            and moved.to_channel = reason_aht.channel
            and moved.contact_reason = reason_aht.contact_reason
    left join channel_aht as any_reason_aht
        on moved.interval_month = any_reason_aht.interval_month
            and moved.to_channel = any_reason_aht.channel
            and any_reason_aht.contact_reason is null

),

-- aht_change: contact by contact (a cap depends on each contact's handle time)
shortened as (

    select
        scenarios.scenario_id,
        contacts.interval_start_local,
        contacts.interval_month,
        contacts.channel,
        contacts.cost_pool,
        contacts.workload_seconds,
        case
            when scenarios.aht_cap_seconds is not null
                then
                    case when contacts.handle_seconds > scenarios.aht_cap_seconds
                            then contacts.workload_seconds * scenarios.aht_cap_seconds / contacts.handle_seconds
                        else contacts.workload_seconds
                    end
            else contacts.workload_seconds * (1 + scenarios.aht_change_share)
        end as new_workload_seconds,
        case
            when scenarios.aht_cap_seconds is not null
                then
                    case when contacts.handle_seconds > scenarios.aht_cap_seconds then 1 else 0 end
            else 1
        end as is_affected
    from scenarios
    inner join contacts
        on {{ scenario_selects('scenarios', 'contacts') }}
    where scenarios.scenario_type = 'aht_change'
        and contacts.is_handled

),

aht_changes as (

    select
        scenario_id,
        interval_start_local,
        interval_month,
        channel,
        cost_pool,
        0.0 as offered_change,
        0.0 as handled_change,
        new_workload_seconds - workload_seconds as workload_change_seconds,
        0.0 as removed_volume,
        0.0 as added_volume,
        0.0 as lost_volume,
        cast(is_affected as {{ type_double() }}) as affected_volume,
        workload_seconds - new_workload_seconds as aht_workload_saved_seconds,
        0.0 as outsourced_contacts,
        0.0 as outsourced_handle_minutes
    from shortened

),

changes as (

    select * from leaving
    union all
    select * from returned
    union all
    select * from arriving
    union all
    select * from aht_changes

),

final as (

    select
        scenario_id,
        interval_start_local,
        interval_month,
        channel,
        cost_pool,
        cast(sum(offered_change) as {{ type_double() }}) as offered_change,
        cast(sum(handled_change) as {{ type_double() }}) as handled_change,
        cast(sum(workload_change_seconds) as {{ type_double() }}) as workload_change_seconds,
        cast(sum(removed_volume) as {{ type_double() }}) as removed_volume,
        cast(sum(added_volume) as {{ type_double() }}) as added_volume,
        cast(sum(lost_volume) as {{ type_double() }}) as lost_volume,
        cast(sum(affected_volume) as {{ type_double() }}) as affected_volume,
        cast(sum(aht_workload_saved_seconds) as {{ type_double() }}) as aht_workload_saved_seconds,
        cast(sum(outsourced_contacts) as {{ type_double() }}) as outsourced_contacts,
        cast(sum(outsourced_handle_minutes) as {{ type_double() }}) as outsourced_handle_minutes
    from changes
    group by scenario_id, interval_start_local, interval_month, channel, cost_pool

)

select * from final
