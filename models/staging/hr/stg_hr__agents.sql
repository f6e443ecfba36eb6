with

source as (

    select * from {{ ref('base_hr__agents') }}
    where _rejection_rule is null

),

versions as (

    select
        source.*,
        {{ latest_version_rank(['agent_id']) }} as _version_rank
    from source

),

renamed as (

    select
        agent_id,
        team,
        site,
        cost_center,
        employment_type,
        fte,
        hired_on,
        left_on,
        _file_name,
        _row_number
    from versions
    where _version_rank = 1

)

select * from renamed
