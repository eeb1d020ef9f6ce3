-- A customer is in one segment at a time: each period of
-- segments.customer_segment_history ends no later than the next one of the
-- same customer starts, and only the last one may be open.
with

periods as (
    select
        customer_unique_key,
        valid_from,
        valid_to,
        lead(valid_from) over (
            partition by customer_unique_key order by valid_from
        ) as next_valid_from
    from {{ source('segments', 'customer_segment_history') }}
),

final as (
    select
        customer_unique_key,
        valid_from,
        valid_to,
        next_valid_from
    from periods
    where next_valid_from is not null
        and (valid_to is null or valid_to > next_valid_from)
)

select * from final
