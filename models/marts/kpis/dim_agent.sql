{#- One row per agent of the HR roster, without personal data (the name is dropped in staging). -#}
with

agents as (

    select * from {{ ref('stg_hr__agents') }}

),

final as (

    select
        agent_id,
        team,
        site,
        cost_center,
        employment_type,
        fte,
        hired_on,
        left_on
    from agents

)

select * from final
