{#- Typed + validated raw chats, one row per landing row (see _chat__models.yml). -#}
{{ incremental_by_file('chats') }}
{%- set checks = landing_checks('chats') -%}

with

{{ landing_typed_ctes('chats') }},

{{ landing_check_ctes('chats', checks) }},

renamed as (

    select
        _file_name,
        _row_number,
        _t_chat_id as chat_id,
        _t_updated_at as updated_at_utc,
        _t_started_at as started_at_utc,
        _t_ended_at as ended_at_utc,
        _t_customer_id as customer_id,
        _t_contact_reason as contact_reason,
        _t_outcome as outcome,
        _t_agent_id as agent_id,
        _t_wait_seconds as wait_seconds,
        _t_handle_seconds as handle_seconds,
        cast(_t_concurrency as double) as concurrency,
        {{ rejection_outcome('chats') }}
    from tied

)

select * from renamed
