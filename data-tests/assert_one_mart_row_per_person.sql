-- The customer marts hold exactly the people they promise: dim_customers
-- everyone with an order up to the cutoff, fct_customer_rfm and
-- fct_customer_features everyone with a purchase.
with

expected as (
    select
        count(distinct customer_unique_key) as people_with_orders,
        count(distinct case when is_purchase then customer_unique_key end) as people_with_purchases
    from {{ ref('fct_orders') }}
),

actual as (
    select
        (select count(*) from {{ ref('dim_customers') }}) as dim_customers_rows,
        (select count(*) from {{ ref('fct_customer_rfm') }}) as rfm_rows,
        (select count(*) from {{ ref('fct_customer_features') }}) as features_rows
)

select
    expected.*,
    actual.*
from expected
cross join actual
where expected.people_with_orders != actual.dim_customers_rows
    or expected.people_with_purchases != actual.rfm_rows
    or expected.people_with_purchases != actual.features_rows
