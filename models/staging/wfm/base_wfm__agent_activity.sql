{#- Typed + validated raw agent activity, one row per landing row (see _wfm__models.yml). -#}
{{ incremental_by_file('agent_activity') }}
{%- set checks = landing_checks('agent_activity') -%}

with

{{ landing_typed_ctes('agent_activity') }},

{{ landing_check_ctes('agent_activity', checks) }},

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
