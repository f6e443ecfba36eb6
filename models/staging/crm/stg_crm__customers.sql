{#- One row per record: the winning version of each key (latest updated_at, else latest file);
    incremental: the keys delivered in the batch are ranked again over all their versions. -#}
{{ incremental_by_key('customer_id') }}

with

source as (

    select * from {{ ref('base_crm__customers') }}
    where _rejection_rule is null
    {%- if is_incremental() %}
      and {{ batch_keys_filter(ref('base_crm__customers'), ['customer_id']) }}
    {%- endif %}

),

versions as (

    select
        source.*,
        {{ latest_version_rank(['customer_id']) }} as _version_rank
    from source

),

renamed as (

    select
        customer_id,
        segment,
        country,
        geography,
        customer_since,
        email_hash,
        phone_hash,
        _file_name,
        _row_number
    from versions
    where _version_rank = 1

)

select * from renamed
