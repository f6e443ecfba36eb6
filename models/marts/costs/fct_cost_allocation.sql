{#- Month x cost pool x cost category x channel: where the in-scope GL cost went, with the driver; unallocated
    cost on channel 'unallocated'. -#}
select
    cost_month,
    cost_pool,
    pool_type,
    cost_category,
    channel,
    driver,
    driver_quantity,
    allocated_amount,
    currency,
    is_unallocated,
    unallocated_reason,
    unallocated_detail
from {{ ref('int_costs__channel_allocation') }}
