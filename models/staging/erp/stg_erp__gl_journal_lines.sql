{#- One row per record: the winning version of each key (latest updated_at, else latest file);
    incremental: the keys delivered in the batch are ranked again over all their versions. -#}
{{ incremental_by_key(['journal_id', 'line_number']) }}

with

source as (

    select * from {{ ref('base_erp__gl_journal_lines') }}
    where _rejection_rule is null
    {%- if is_incremental() %}
      and {{ batch_keys_filter(ref('base_erp__gl_journal_lines'), ['journal_id', 'line_number']) }}
    {%- endif %}

),

versions as (

    select
        source.*,
        {{ latest_version_rank(['journal_id', 'line_number']) }} as _version_rank
    from source

),

renamed as (

    select
        journal_id,
        line_number,
        posting_date,
        cast({{ dbt.date_trunc('month', 'posting_date') }} as date) as posting_month,
        account_code,
        account_name,
        cost_center,
        amount,
        currency,
        description,
        _file_name,
        _row_number
    from versions
    where _version_rank = 1

)

select * from renamed
