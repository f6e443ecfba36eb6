{#- Incremental by landing file, like the base models: the batch's files are judged again. -#}
{{ config(schema='quarantine', alias='rejected_rows') }}
{{ incremental_by_file(none, partition_expression='file_name') }}

{#- every landing source of the contract, with its base model (the one place rejected rows are decided) -#}
{%- set bases = [] -%}
{%- for source_name, contract in landing_contract().items() -%}
{%- do bases.append((source_name, contract['base_model'])) -%}
{%- endfor -%}

with

{% for source_name, base_model in bases %}
rejected_{{ source_name }} as (

    select
        '{{ source_name }}' as source,
        base._file_name as file_name,
        base._row_number as row_number,
        base._rejection_rule as rule,
        base._rejection_column as column_name,
        base._rejection_detail as detail,
        {{ raw_record_json(source_name, 'raw_row') }} as raw_record
    from {{ ref(base_model) }} as base
    inner join {{ source('landing', source_name) }} as raw_row
        on base._file_name = raw_row._file_name
            and base._row_number = raw_row._row_number
    where base._rejection_rule is not null
    {%- if is_incremental() %}
      and {{ batch_file_filter('base._file_name', source_name) }}
      and {{ batch_file_filter('raw_row._file_name', source_name) }}
    {%- endif %}

),

{% endfor %}
unioned as (
    {% for source_name, base_model in bases %}
    select * from rejected_{{ source_name }}
    {% if not loop.last %}union all{% endif %}
    {%- endfor %}

)

select * from unioned
