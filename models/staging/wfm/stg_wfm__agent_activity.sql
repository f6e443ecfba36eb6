{#- One row per record: the winning version of each key (latest updated_at, else latest file);
    incremental: the keys delivered in the batch are ranked again over all their versions. -#}
{{ incremental_by_key(['agent_id', 'activity_date', 'state']) }}

with

source as (

    select * from {{ ref('base_wfm__agent_activity') }}
    where _rejection_rule is null
    {%- if is_incremental() %}
      and {{ batch_keys_filter(ref('base_wfm__agent_activity'), ['agent_id', 'activity_date', 'state']) }}
    {%- endif %}

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
