{#- Typed + validated raw agents, one row per landing row (see _hr__models.yml). -#}
{{ incremental_by_file('agents') }}
{%- set checks = landing_checks('agents') -%}

with

{{ landing_typed_ctes('agents', drop=['agent_name']) }},

{{ landing_check_ctes('agents', checks, drop=['agent_name']) }},

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
