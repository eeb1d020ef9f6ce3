with

fct_orders as (
    select
        as_of_date,
        order_id,
        customer_unique_key,
        customer_unique_id,
        customer_key,
        customer_zip_code_prefix,
        customer_state,
        purchased_at,
        is_purchase
    from {{ ref('fct_orders') }}
),

stg_olist__customers as (
    select
        customer_id,
        customer_city
    from {{ ref('stg_olist__customers') }}
),

int_customer_id_keys as (
    select
        customer_id,
        customer_key
    from {{ ref('int_customer_id_keys') }}
),

int_geolocations_aggregated_to_zip_codes as (
    select
        zip_code_prefix,
        latitude,
        longitude
    from {{ ref('int_geolocations_aggregated_to_zip_codes') }}
),

brazil_states as (
    select
        state_code,
        state_name,
        region
    from {{ ref('brazil_states') }}
),

latest_alias as (
    -- A person's address is that of their most recent order.
    select
        customer_unique_key,
        customer_key,
        customer_zip_code_prefix,
        customer_state,
        row_number() over (
            partition by customer_unique_key
            order by purchased_at desc, order_id desc
        ) as recency_rank
    from fct_orders
),

per_person as (
    select
        as_of_date,
        customer_unique_key,
        customer_unique_id,
        cast(count(distinct customer_key) as integer) as count_customer_ids,
        cast(count(*) as integer) as count_orders_any_status,
        cast(sum(case when is_purchase then 1 else 0 end) as integer) as count_purchases,
        min(purchased_at) as first_order_at,
        max(purchased_at) as last_order_at
    from fct_orders
    group by as_of_date, customer_unique_key, customer_unique_id
),

final as (
    select
        per_person.customer_unique_key,
        per_person.customer_unique_id,
        latest_alias.customer_key as latest_customer_key,
        int_customer_id_keys.customer_id as latest_customer_id,
        latest_alias.customer_zip_code_prefix,
        stg_olist__customers.customer_city,
        latest_alias.customer_state,
        brazil_states.state_name as customer_state_name,
        brazil_states.region as customer_region,
        int_geolocations_aggregated_to_zip_codes.latitude,
        int_geolocations_aggregated_to_zip_codes.longitude,
        int_geolocations_aggregated_to_zip_codes.latitude is not null as has_location,
        per_person.count_customer_ids,
        per_person.count_orders_any_status,
        per_person.count_purchases,
        per_person.first_order_at,
        per_person.last_order_at,
        per_person.as_of_date
    from per_person
    inner join latest_alias
        on per_person.customer_unique_key = latest_alias.customer_unique_key
            and latest_alias.recency_rank = 1
    inner join int_customer_id_keys
        on latest_alias.customer_key = int_customer_id_keys.customer_key
    inner join stg_olist__customers
        on int_customer_id_keys.customer_id = stg_olist__customers.customer_id
    inner join brazil_states
        on latest_alias.customer_state = brazil_states.state_code
    left join int_geolocations_aggregated_to_zip_codes
        on latest_alias.customer_zip_code_prefix = int_geolocations_aggregated_to_zip_codes.zip_code_prefix
)

select * from final
