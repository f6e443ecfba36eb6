{#- Typed + validated raw tickets, one row per landing row (see _ticketing__models.yml). -#}
{%- set checks = landing_checks('tickets', extra=[
    end_before_start_check('first_response_at', 'created_at'),
    end_before_start_check('solved_at', 'created_at'),
]) -%}

with

source as (

    select * from {{ source('landing', 'tickets') }}

),

typed as (

    select
        source.*,
        {{ row_fingerprint(landing_column_names('tickets')) }} as _fingerprint,
        {{ typed_landing_columns('tickets') }}
    from source

),

checked as (

    select
        typed.*,
        {{ first_failed_check(checks) }} as _check_no
    from typed

),

described as {{ materialized_cte() }} (

    select
        _file_name,
        _row_number,
        _fingerprint,
        {{ typed_column_names('tickets') }},
        _check_no,
        {{ check_outcome(checks) }}
    from checked

),

tied_groups as (

    {{ tied_duplicate_groups('tickets', 'described') }}

),

tied as (

    select
        described.*,
        {{ is_tied_duplicate() }} as _is_tied_duplicate
    from described
    {{ tied_duplicate_join('tickets', 'described') }}

),

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
