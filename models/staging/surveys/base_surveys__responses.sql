{#- Typed + validated raw surveys, one row per landing row (see _surveys__models.yml). -#}
{{ incremental_by_file('surveys') }}
{%- set checks = landing_checks('surveys') -%}

with

{{ landing_typed_ctes('surveys') }},

{{ landing_check_ctes('surveys', checks) }},

renamed as (

    select
        _file_name,
        _row_number,
        _t_survey_id as survey_id,
        _t_interaction_source as interaction_source,
        _t_interaction_id as interaction_id,
        _t_responded_at as responded_at_utc,
        _t_csat as csat,
        _t_nps as nps,
        _t_ces as ces,
        _t_resolved as resolved,
        {{ rejection_outcome('surveys') }}
    from tied

)

select * from renamed
