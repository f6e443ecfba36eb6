{#- One row per record: the winning version of each key (latest updated_at, else latest file);
    incremental: the keys delivered in the batch are ranked again over all their versions. -#}
{{ incremental_by_key('agent_id') }}

with

source as (

    select * from {{ ref('base_hr__agents') }}
    where _rejection_rule is null
    {%- if is_incremental() %}
      and {{ batch_keys_filter(ref('base_hr__agents'), ['agent_id']) }}
    {%- endif %}

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
