{#- One row per channel of the taxonomy (seed channels). -#}
with

channels as (

    select * from {{ ref('channels') }}

),

final as (

    select
        cast(channel as {{ dbt.type_string() }}) as channel,
        cast(channel_name as {{ dbt.type_string() }}) as channel_name,
        cast(channel_group as {{ dbt.type_string() }}) as channel_group,
        is_assisted,
        cast(landing_source as {{ dbt.type_string() }}) as landing_source,
        cast(platform as {{ dbt.type_string() }}) as platform,
        cast(sort_order as {{ dbt.type_int() }}) as sort_order
    from channels

)

select * from final
