-- segments.customer_segments assigns every person of fct_customer_features
-- exactly once, with the same hex id and as-of date, and nobody else: a
-- scoring run on a stale or partial feature table fails here.
with

fct_customer_features as (
    select
        customer_unique_key,
        customer_unique_id,
        as_of_date
    from {{ ref('fct_customer_features') }}
),

customer_segments as (
    select
        customer_unique_key,
        customer_unique_id,
        as_of_date
    from {{ source('segments', 'customer_segments') }}
),

repeated as (
    select
        customer_unique_key,
        'several segment rows' as problem
    from customer_segments
    group by customer_unique_key
    having count(*) > 1
),

compared as (
    select
        coalesce(fct_customer_features.customer_unique_key, customer_segments.customer_unique_key)
            as customer_unique_key,
        case
            when customer_segments.customer_unique_key is null then 'no segment row'
            when fct_customer_features.customer_unique_key is null then 'not in fct_customer_features'
            when customer_segments.as_of_date != fct_customer_features.as_of_date then 'other as_of_date'
            when customer_segments.customer_unique_id != fct_customer_features.customer_unique_id
                then 'other customer_unique_id'
        end as problem
    from fct_customer_features
    full outer join customer_segments
        on fct_customer_features.customer_unique_key = customer_segments.customer_unique_key
),

final as (
    select
        customer_unique_key,
        problem
    from compared
    where problem is not null
    union all
    select
        customer_unique_key,
        problem
    from repeated
)

select * from final
