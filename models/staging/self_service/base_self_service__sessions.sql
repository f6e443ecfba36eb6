{#- Typed + validated raw self service sessions, one row per landing row (see _self_service__models.yml). -#}
{%- set checks = landing_checks('self_service_sessions') -%}

with

source as (

    select * from {{ source('landing', 'self_service_sessions') }}

),

typed as (

    select
        source.*,
        {{ row_fingerprint(landing_column_names('self_service_sessions')) }} as _fingerprint,
        {{ typed_landing_columns('self_service_sessions') }}
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
        {{ typed_column_names('self_service_sessions') }},
        _check_no,
        {{ check_outcome(checks) }}
    from checked

),

tied_groups as (

    {{ tied_duplicate_groups('self_service_sessions', 'described') }}

),

tied as (

    select
        described.*,
        {{ is_tied_duplicate() }} as _is_tied_duplicate
    from described
    {{ tied_duplicate_join('self_service_sessions', 'described') }}

),

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
