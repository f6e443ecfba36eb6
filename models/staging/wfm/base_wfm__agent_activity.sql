{#- Typed + validated raw agent activity, one row per landing row (see _wfm__models.yml). -#}
{{ config(
    materialized=ccw_incremental_materialization(),
    incremental_strategy=ccw_incremental_strategy('partitions'),
    partition_expression='_file_name',
    replace_partitions='batch_files:agent_activity',
    on_schema_change='fail',
) }}
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
