{#- Typed + validated raw surveys, one row per landing row (see _surveys__models.yml). -#}
{%- set checks = landing_checks('surveys', extra=[
    range_check('csat', 1, 5),
    range_check('nps', 0, 10),
    range_check('ces', 1, 7),
]) -%}

with

source as (

    select * from {{ source('landing', 'surveys') }}

),

typed as (

    select
        source.*,
        {{ row_fingerprint(landing_column_names('surveys')) }} as _fingerprint,
        {{ typed_landing_columns('surveys') }}
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
        {{ typed_column_names('surveys') }},
        _check_no,
        {{ check_outcome(checks) }}
    from checked

),

tied_groups as (

    {{ tied_duplicate_groups('surveys', 'described') }}

),

tied as (

    select
        described.*,
        {{ is_tied_duplicate() }} as _is_tied_duplicate
    from described
    {{ tied_duplicate_join('surveys', 'described') }}

),

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
