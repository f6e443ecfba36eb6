with

source as (

    select * from {{ ref('base_surveys__responses') }}
    where _rejection_rule is null

),

versions as (

    select
        source.*,
        {{ latest_version_rank(['survey_id']) }} as _version_rank
    from source

),

renamed as (

    select
        survey_id,
        interaction_source,
        interaction_id,
        responded_at_utc,
        csat,
        nps,
        ces,
        resolved as is_resolved,
        _file_name,
        _row_number
    from versions
    where _version_rank = 1

)

select * from renamed
