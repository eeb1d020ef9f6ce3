-- No row of the cutoff series carries an event at or after its own cutoff
-- instant: no order purchased, approved, handed to the carrier or delivered
-- then, no last purchase then, and no order has a review unless one was
-- answered (or, unanswered, created) before the cutoff.
with

int_stability_cutoffs as (
    select
        as_of_date,
        cutoff_at
    from {{ ref('int_stability_cutoffs') }}
),

int_orders_at_cutoffs as (
    select
        as_of_date,
        order_id,
        purchased_at,
        approved_at,
        delivered_to_carrier_at,
        delivered_to_customer_at,
        has_review
    from {{ ref('int_orders_at_cutoffs') }}
),

int_customer_rfm_at_cutoffs as (
    select
        as_of_date,
        customer_unique_id,
        last_order_at
    from {{ ref('int_customer_rfm_at_cutoffs') }}
),

stg_olist__order_reviews as (
    select
        order_id,
        review_created_at,
        review_answered_at
    from {{ ref('stg_olist__order_reviews') }}
),

late_orders as (
    select
        'int_orders_at_cutoffs' as model_name,
        int_orders_at_cutoffs.as_of_date,
        int_orders_at_cutoffs.order_id as row_id
    from int_orders_at_cutoffs
    inner join int_stability_cutoffs
        on int_orders_at_cutoffs.as_of_date = int_stability_cutoffs.as_of_date
    where int_orders_at_cutoffs.purchased_at >= int_stability_cutoffs.cutoff_at
        or int_orders_at_cutoffs.approved_at >= int_stability_cutoffs.cutoff_at
        or int_orders_at_cutoffs.delivered_to_carrier_at >= int_stability_cutoffs.cutoff_at
        or int_orders_at_cutoffs.delivered_to_customer_at >= int_stability_cutoffs.cutoff_at
),

reviews_known as (
    select distinct
        int_stability_cutoffs.as_of_date,
        stg_olist__order_reviews.order_id
    from stg_olist__order_reviews
    inner join int_stability_cutoffs
        on coalesce(stg_olist__order_reviews.review_answered_at, stg_olist__order_reviews.review_created_at)
            < int_stability_cutoffs.cutoff_at
),

early_reviews as (
    select
        'int_orders_at_cutoffs' as model_name,
        int_orders_at_cutoffs.as_of_date,
        int_orders_at_cutoffs.order_id as row_id
    from int_orders_at_cutoffs
    left join reviews_known
        on int_orders_at_cutoffs.as_of_date = reviews_known.as_of_date
            and int_orders_at_cutoffs.order_id = reviews_known.order_id
    where int_orders_at_cutoffs.has_review
        and reviews_known.order_id is null
),

late_customers as (
    select
        'int_customer_rfm_at_cutoffs' as model_name,
        int_customer_rfm_at_cutoffs.as_of_date,
        int_customer_rfm_at_cutoffs.customer_unique_id as row_id
    from int_customer_rfm_at_cutoffs
    inner join int_stability_cutoffs
        on int_customer_rfm_at_cutoffs.as_of_date = int_stability_cutoffs.as_of_date
    where int_customer_rfm_at_cutoffs.last_order_at >= int_stability_cutoffs.cutoff_at
)

select * from late_orders
union all
select * from early_reviews
union all
select * from late_customers
