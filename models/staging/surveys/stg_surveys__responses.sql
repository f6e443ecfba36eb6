{#- One row per record: the winning version of each key (latest updated_at, else latest file);
    incremental: the keys delivered in the batch are ranked again over all their versions. -#}
{{ incremental_by_key('survey_id') }}

with

source as (

    select * from {{ ref('base_surveys__responses') }}
    where _rejection_rule is null
    {%- if is_incremental() %}
      and {{ batch_keys_filter(ref('base_surveys__responses'), ['survey_id']) }}
    {%- endif %}

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
