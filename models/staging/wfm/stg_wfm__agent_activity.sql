with

source as (

    select * from {{ ref('base_wfm__agent_activity') }}
    where _rejection_rule is null

),

versions as (

    select
        source.*,
        {{ latest_version_rank(['agent_id', 'activity_date', 'state']) }} as _version_rank
    from source

),

renamed as (

    select
        agent_id,
        activity_date,
        state,
        seconds,
        _file_name,
        _row_number
    from versions
    where _version_rank = 1

)

select * from renamed
