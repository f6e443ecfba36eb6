{#- Typed + validated raw tickets, one row per landing row (see _ticketing__models.yml). -#}
{{ incremental_by_file('tickets') }}
{%- set checks = landing_checks('tickets') -%}

with

{{ landing_typed_ctes('tickets') }},

{{ landing_check_ctes('tickets', checks) }},

renamed as (

    select
        _file_name,
        _row_number,
        _t_ticket_id as ticket_id,
        _t_updated_at as updated_at_utc,
        _t_channel as channel,
        _t_created_at as created_at_utc,
        _t_customer_id as customer_id,
        _t_customer_email as customer_email_hash,
        _t_contact_reason as contact_reason,
        _t_agent_id as agent_id,
        _t_first_response_at as first_response_at_utc,
        _t_solved_at as solved_at_utc,
        _t_status as status,
        _t_reopen_count as reopen_count,
        _t_agent_replies as agent_replies,
        _t_handle_seconds as handle_seconds,
        {{ rejection_outcome('tickets') }}
    from tied

)

select * from renamed
