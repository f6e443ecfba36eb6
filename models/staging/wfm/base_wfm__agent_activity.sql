{#- Typed + validated raw agent activity, one row per landing row (see _wfm__models.yml). -#}
{%- set checks = landing_checks('agent_activity') -%}

with

source as (

    select * from {{ source('landing', 'agent_activity') }}

),

typed as (

    select
        source.*,
        {{ row_fingerprint(landing_column_names('agent_activity')) }} as _fingerprint,
        {{ typed_landing_columns('agent_activity') }}
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
        {{ typed_column_names('agent_activity') }},
        _check_no,
        {{ check_outcome(checks) }}
    from checked

),

tied_groups as (

    {{ tied_duplicate_groups('agent_activity', 'described') }}

),

tied as (

    select
        described.*,
        {{ is_tied_duplicate() }} as _is_tied_duplicate
    from described
    {{ tied_duplicate_join('agent_activity', 'described') }}

),

renamed as (

    select
        _file_name,
        _row_number,
        _t_agent_id as agent_id,
        _t_activity_date as activity_date,
        _t_state as state,
        _t_seconds as seconds,
        {{ rejection_outcome('agent_activity') }}
    from tied

)

select * from renamed
