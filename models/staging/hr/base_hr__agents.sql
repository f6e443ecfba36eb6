{#- Typed + validated raw agents, one row per landing row (see _hr__models.yml). -#}
{%- set checks = landing_checks('agents', extra=[range_check('fte', 0, exclusive_min=true)], future_exempt=['hired_on', 'left_on']) -%}

with

source as (

    select * from {{ source('landing', 'agents') }}

),

typed as (

    select
        source.*,
        {{ row_fingerprint(landing_column_names('agents')) }} as _fingerprint,
        {{ typed_landing_columns('agents', drop=['agent_name']) }}
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
        {{ typed_column_names('agents', drop=['agent_name']) }},
        _check_no,
        {{ check_outcome(checks) }}
    from checked

),

tied_groups as (

    {{ tied_duplicate_groups('agents', 'described') }}

),

tied as (

    select
        described.*,
        {{ is_tied_duplicate() }} as _is_tied_duplicate
    from described
    {{ tied_duplicate_join('agents', 'described') }}

),

renamed as (

    select
        _file_name,
        _row_number,
        _t_agent_id as agent_id,
        _t_team as team,
        _t_site as site,
        _t_cost_center as cost_center,
        _t_employment_type as employment_type,
        cast(_t_fte as double) as fte,
        _t_hired_on as hired_on,
        _t_left_on as left_on,
        {{ rejection_outcome('agents') }}
    from tied

)

select * from renamed
