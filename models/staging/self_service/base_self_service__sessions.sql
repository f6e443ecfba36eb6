{#- Typed + validated raw self service sessions, one row per landing row (see _self_service__models.yml). -#}
{{ incremental_by_file('self_service_sessions') }}
{%- set checks = landing_checks('self_service_sessions') -%}

with

{{ landing_typed_ctes('self_service_sessions') }},

{{ landing_check_ctes('self_service_sessions', checks) }},

renamed as (

    select
        _file_name,
        _row_number,
        _t_session_id as session_id,
        _t_started_at as started_at_utc,
        _t_customer_id as customer_id,
        _t_platform as platform,
        _t_contact_reason as contact_reason,
        _t_completed as completed,
        {{ rejection_outcome('self_service_sessions') }}
    from tied

)

select * from renamed
