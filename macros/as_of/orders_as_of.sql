{#
    One row per (cutoff, order) for every order purchased before the cutoff,
    with only what was known at the cutoff (docs block `as_of_policy`):
    - approval, carrier and delivery times after the cutoff are null, so an
      order delivered later counts as not delivered yet;
    - the order's review is the latest review answered before the cutoff
      (docs block `review_policy`); reviews answered later do not exist yet;
    - status is the final status in the file (the data has no status history).
    `cutoffs` is a relation with columns as_of_date (date) and cutoff_at
    (timestamp, exclusive). Used by fct_orders (one cutoff) and by any model
    that needs the same facts at several cutoffs.
#}
{% macro orders_as_of(cutoffs) %}
with

cutoffs as (
    select
        as_of_date,
        cutoff_at
    from {{ cutoffs }}
),

int_orders_joined_to_customers_and_aggregates as (
    select * from {{ ref('int_orders_joined_to_customers_and_aggregates') }}
),

stg_olist__order_reviews as (
    select
        review_id,
        order_id,
        review_score,
        review_comment_title,
        review_comment_message,
        review_created_at,
        review_answered_at
    from {{ ref('stg_olist__order_reviews') }}
),

orders_known as (
    select
        cutoffs.as_of_date,
        cutoffs.cutoff_at,
        int_orders_joined_to_customers_and_aggregates.*
    from int_orders_joined_to_customers_and_aggregates
    inner join cutoffs
        on int_orders_joined_to_customers_and_aggregates.purchased_at < cutoffs.cutoff_at
),

reviews_ranked as (
    select
        cutoffs.as_of_date,
        stg_olist__order_reviews.order_id,
        stg_olist__order_reviews.review_score,
        (
            stg_olist__order_reviews.review_comment_message is not null
            or stg_olist__order_reviews.review_comment_title is not null
        ) as has_review_comment,
        row_number() over (
            partition by cutoffs.as_of_date, stg_olist__order_reviews.order_id
            order by
                coalesce(stg_olist__order_reviews.review_answered_at, stg_olist__order_reviews.review_created_at) desc,
                stg_olist__order_reviews.review_created_at desc,
                stg_olist__order_reviews.review_id desc
        ) as review_rank
    from stg_olist__order_reviews
    inner join cutoffs
        on coalesce(stg_olist__order_reviews.review_answered_at, stg_olist__order_reviews.review_created_at)
        < cutoffs.cutoff_at
),

masked as (
    select
        orders_known.as_of_date,
        orders_known.order_key,
        orders_known.order_id,
        orders_known.customer_key,
        orders_known.customer_id,
        orders_known.customer_unique_key,
        orders_known.customer_unique_id,
        orders_known.customer_zip_code_prefix,
        orders_known.customer_state,
        orders_known.order_status,
        orders_known.is_purchase_status and orders_known.count_item_lines > 0 as is_purchase,
        orders_known.purchased_at,
        case when orders_known.approved_at < orders_known.cutoff_at then orders_known.approved_at end as approved_at,
        case
            when orders_known.delivered_to_carrier_at < orders_known.cutoff_at
                then orders_known.delivered_to_carrier_at
        end as delivered_to_carrier_at,
        case
            when orders_known.delivered_to_customer_at < orders_known.cutoff_at
                then orders_known.delivered_to_customer_at
        end as delivered_to_customer_at,
        orders_known.estimated_delivery_at,
        orders_known.count_item_lines,
        orders_known.count_distinct_products,
        orders_known.count_distinct_sellers,
        orders_known.items_value_brl,
        orders_known.freight_brl,
        cast(orders_known.items_value_brl + orders_known.freight_brl as decimal(18, 2)) as order_value_brl,
        orders_known.main_category_name,
        orders_known.count_payments,
        orders_known.payment_total_brl,
        orders_known.payment_types,
        orders_known.main_payment_type,
        orders_known.max_installments,
        orders_known.paid_credit_card_brl,
        orders_known.paid_boleto_brl,
        orders_known.paid_voucher_brl,
        orders_known.paid_debit_card_brl,
        orders_known.has_voucher,
        orders_known.distance_km,
        reviews_ranked.review_score,
        coalesce(reviews_ranked.has_review_comment, false) as has_review_comment
    from orders_known
    left join reviews_ranked
        on orders_known.as_of_date = reviews_ranked.as_of_date
        and orders_known.order_id = reviews_ranked.order_id
        and reviews_ranked.review_rank = 1
),

final as (
    select
        *,
        delivered_to_customer_at is not null as is_delivered,
        {{ days_between('purchased_at', 'delivered_to_customer_at') }} as days_to_deliver,
        {{ days_between('estimated_delivery_at', 'delivered_to_customer_at') }} as days_late,
        coalesce(delivered_to_customer_at > estimated_delivery_at, false) as is_late,
        review_score is not null as has_review,
        distance_km is not null as has_distance,
        coalesce(
            delivered_to_carrier_at < purchased_at
            or delivered_to_customer_at < delivered_to_carrier_at,
            false
        ) as has_inconsistent_dates
    from masked
)

select * from final
{%- endmacro %}
