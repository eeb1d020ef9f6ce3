with

stg_olist__orders as (
    select
        order_id,
        customer_id
    from {{ ref('stg_olist__orders') }}
),

stg_olist__customers as (
    select
        customer_id,
        customer_zip_code_prefix
    from {{ ref('stg_olist__customers') }}
),

stg_olist__order_items as (
    select
        order_id,
        seller_id
    from {{ ref('stg_olist__order_items') }}
),

stg_olist__sellers as (
    select
        seller_id,
        seller_zip_code_prefix
    from {{ ref('stg_olist__sellers') }}
),

int_geolocations_aggregated_to_zip_codes as (
    select
        zip_code_prefix,
        latitude,
        longitude
    from {{ ref('int_geolocations_aggregated_to_zip_codes') }}
),

order_sellers as (
    select distinct
        order_id,
        seller_id
    from stg_olist__order_items
),

located_pairs as (
    select
        order_sellers.order_id,
        order_sellers.seller_id,
        {{ haversine_km(
            'buyer_location.latitude', 'buyer_location.longitude',
            'seller_location.latitude', 'seller_location.longitude'
        ) }} as distance_km
    from order_sellers
    inner join stg_olist__orders
        on order_sellers.order_id = stg_olist__orders.order_id
    inner join stg_olist__customers
        on stg_olist__orders.customer_id = stg_olist__customers.customer_id
    inner join stg_olist__sellers
        on order_sellers.seller_id = stg_olist__sellers.seller_id
    left join int_geolocations_aggregated_to_zip_codes as buyer_location
        on stg_olist__customers.customer_zip_code_prefix = buyer_location.zip_code_prefix
    left join int_geolocations_aggregated_to_zip_codes as seller_location
        on stg_olist__sellers.seller_zip_code_prefix = seller_location.zip_code_prefix
),

aggregated as (
    -- Mean and maximum over the order's distinct sellers; an order whose buyer
    -- or sellers have no located zip gets null (has_distance false downstream).
    select
        order_id,
        avg(distance_km) as distance_km,
        max(distance_km) as max_distance_km,
        cast(count(distance_km) as integer) as count_located_sellers
    from located_pairs
    group by order_id
)

select * from aggregated
