with

stg_olist__orders as (
    select
        order_id,
        customer_id,
        order_status,
        purchased_at,
        approved_at,
        delivered_to_carrier_at,
        delivered_to_customer_at,
        estimated_delivery_at
    from {{ ref('stg_olist__orders') }}
),

stg_olist__customers as (
    select
        customer_id,
        customer_unique_id,
        customer_zip_code_prefix,
        customer_state
    from {{ ref('stg_olist__customers') }}
),

order_status_policy as (
    select
        order_status,
        is_purchase
    from {{ ref('order_status_policy') }}
),

int_order_id_keys as (
    select
        order_id,
        order_key
    from {{ ref('int_order_id_keys') }}
),

int_customer_id_keys as (
    select
        customer_id,
        customer_key
    from {{ ref('int_customer_id_keys') }}
),

int_customer_unique_id_keys as (
    select
        customer_unique_id,
        customer_unique_key
    from {{ ref('int_customer_unique_id_keys') }}
),

int_order_items_aggregated_to_orders as (
    select * from {{ ref('int_order_items_aggregated_to_orders') }}
),

int_order_payments_aggregated_to_orders as (
    select * from {{ ref('int_order_payments_aggregated_to_orders') }}
),

int_seller_distances_aggregated_to_orders as (
    select
        order_id,
        distance_km
    from {{ ref('int_seller_distances_aggregated_to_orders') }}
),

joined as (
    select
        int_order_id_keys.order_key,
        stg_olist__orders.order_id,
        int_customer_id_keys.customer_key,
        stg_olist__orders.customer_id,
        int_customer_unique_id_keys.customer_unique_key,
        stg_olist__customers.customer_unique_id,
        stg_olist__customers.customer_zip_code_prefix,
        stg_olist__customers.customer_state,
        stg_olist__orders.order_status,
        order_status_policy.is_purchase as is_purchase_status,
        stg_olist__orders.purchased_at,
        stg_olist__orders.approved_at,
        stg_olist__orders.delivered_to_carrier_at,
        stg_olist__orders.delivered_to_customer_at,
        stg_olist__orders.estimated_delivery_at,
        coalesce(int_order_items_aggregated_to_orders.count_item_lines, 0) as count_item_lines,
        coalesce(int_order_items_aggregated_to_orders.count_distinct_products, 0) as count_distinct_products,
        coalesce(int_order_items_aggregated_to_orders.count_distinct_sellers, 0) as count_distinct_sellers,
        coalesce(int_order_items_aggregated_to_orders.items_value_brl, 0) as items_value_brl,
        coalesce(int_order_items_aggregated_to_orders.freight_brl, 0) as freight_brl,
        int_order_items_aggregated_to_orders.main_category_name,
        coalesce(int_order_payments_aggregated_to_orders.count_payments, 0) as count_payments,
        coalesce(int_order_payments_aggregated_to_orders.payment_total_brl, 0) as payment_total_brl,
        int_order_payments_aggregated_to_orders.payment_types,
        int_order_payments_aggregated_to_orders.main_payment_type,
        int_order_payments_aggregated_to_orders.max_installments,
        coalesce(int_order_payments_aggregated_to_orders.paid_credit_card_brl, 0) as paid_credit_card_brl,
        coalesce(int_order_payments_aggregated_to_orders.paid_boleto_brl, 0) as paid_boleto_brl,
        coalesce(int_order_payments_aggregated_to_orders.paid_voucher_brl, 0) as paid_voucher_brl,
        coalesce(int_order_payments_aggregated_to_orders.paid_debit_card_brl, 0) as paid_debit_card_brl,
        coalesce(int_order_payments_aggregated_to_orders.has_voucher, false) as has_voucher,
        int_seller_distances_aggregated_to_orders.distance_km
    from stg_olist__orders
    inner join stg_olist__customers
        on stg_olist__orders.customer_id = stg_olist__customers.customer_id
    inner join order_status_policy
        on stg_olist__orders.order_status = order_status_policy.order_status
    inner join int_order_id_keys
        on stg_olist__orders.order_id = int_order_id_keys.order_id
    inner join int_customer_id_keys
        on stg_olist__orders.customer_id = int_customer_id_keys.customer_id
    inner join int_customer_unique_id_keys
        on stg_olist__customers.customer_unique_id = int_customer_unique_id_keys.customer_unique_id
    left join int_order_items_aggregated_to_orders
        on stg_olist__orders.order_id = int_order_items_aggregated_to_orders.order_id
    left join int_order_payments_aggregated_to_orders
        on stg_olist__orders.order_id = int_order_payments_aggregated_to_orders.order_id
    left join int_seller_distances_aggregated_to_orders
        on stg_olist__orders.order_id = int_seller_distances_aggregated_to_orders.order_id
)

select * from joined
