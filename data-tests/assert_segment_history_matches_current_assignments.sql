-- The open periods of segments.customer_segment_history are exactly
-- segments.customer_segments (same people, segments and model), and the
-- latest day of segments.segment_size_history counts those members: the
-- history and the assignments were written in one transaction.
with

customer_segments as (
    select
        customer_unique_key,
        segment_id,
        model_version
    from {{ source('segments', 'customer_segments') }}
),

open_periods as (
    select
        customer_unique_key,
        segment_id,
        model_version
    from {{ source('segments', 'customer_segment_history') }}
    where valid_to is null
),

latest_sizes as (
    select
        sizes.segment_id,
        sizes.count_customers
    from {{ source('segments', 'segment_size_history') }} as sizes
    where sizes.as_of_date = (
            select max(latest.as_of_date)
            from {{ source('segments', 'segment_size_history') }} as latest
        )
),

current_sizes as (
    select
        segment_id,
        count(*) as count_customers
    from customer_segments
    group by segment_id
),

period_mismatches as (
    select
        coalesce(customer_segments.customer_unique_key, open_periods.customer_unique_key)
            as customer_unique_key,
        cast(null as integer) as segment_id,
        'open period differs from the current assignment' as problem
    from customer_segments
    full outer join open_periods
        on customer_segments.customer_unique_key = open_periods.customer_unique_key
            and customer_segments.segment_id = open_periods.segment_id
            and customer_segments.model_version = open_periods.model_version
    where customer_segments.customer_unique_key is null
        or open_periods.customer_unique_key is null
),

size_mismatches as (
    select
        cast(null as uinteger) as customer_unique_key,
        coalesce(current_sizes.segment_id, latest_sizes.segment_id) as segment_id,
        'latest size differs from the current members' as problem
    from current_sizes
    full outer join latest_sizes
        on current_sizes.segment_id = latest_sizes.segment_id
    where coalesce(current_sizes.count_customers, 0) != coalesce(latest_sizes.count_customers, 0)
),

final as (
    select * from period_mismatches
    union all
    select * from size_mismatches
)

select * from final
