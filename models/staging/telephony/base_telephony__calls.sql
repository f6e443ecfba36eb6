{#- Typed + validated raw calls, one row per landing row (see _telephony__models.yml). -#}
{{ incremental_by_file('telephony_calls') }}
{%- set checks = landing_checks('telephony_calls') -%}

with

{{ landing_typed_ctes('telephony_calls') }},

{{ landing_check_ctes('telephony_calls', checks) }},

renamed as (

    select
        _file_name,
        _row_number,
        _t_call_id as call_id,
        _t_updated_at as updated_at_utc,
        _t_direction as direction,
        _t_started_at as started_at_utc,
        _t_customer_id as customer_id,
        _t_customer_phone as customer_phone_hash,
        _t_queue as queue,
        _t_contact_reason as contact_reason,
        _t_ivr_seconds as ivr_seconds,
        _t_queue_seconds as queue_seconds,
        _t_agent_id as agent_id,
        _t_talk_seconds as talk_seconds,
        _t_hold_seconds as hold_seconds,
        _t_acw_seconds as acw_seconds,
        _t_outcome as outcome,
        _t_transferred as transferred,
        {{ rejection_outcome('telephony_calls') }}
    from tied

)

select * from renamed
