{#
    The buy-till-you-die summary per person (customer_unique_key) per as-of
    date, from an orders relation shaped like fct_orders (one row per as-of
    date and order). Policy in docs block `purchase_summary_policy`:
    - purchases only (docs block `purchase_policy`), money is items + freight
      (docs block `money_policy`);
    - a purchase is a purchase day: orders placed on the same calendar day are
      one purchase occasion, as the BG/NBD family counts them (two baskets
      minutes apart are one shopping trip, not a second visit);
    - count_repeat_purchases (frequency) = purchase days - 1;
      recency_days = days from the first to the last purchase day;
      customer_age_days (T) = days from the first purchase day to the as-of date;
    - avg_repeat_value_brl = mean value of the repeat purchase days (the first
      one left out, as the Gamma-Gamma spend model expects); null for a
      one-time buyer, whose is_repeat_buyer is false.
#}
{% macro purchase_summary(orders) %}
with

purchases as (
    select
        as_of_date,
        customer_unique_key,
        customer_unique_id,
        cast(purchased_at as date) as purchased_on,
        order_value_brl
    from {{ orders }}
    where is_purchase
),

purchase_days as (
    select
        as_of_date,
        customer_unique_key,
        customer_unique_id,
        purchased_on,
        cast(count(*) as integer) as count_orders,
        cast(sum(order_value_brl) as decimal(18, 2)) as day_value_brl
    from purchases
    group by as_of_date, customer_unique_key, customer_unique_id, purchased_on
),

numbered as (
    select
        *,
        row_number() over (
            partition by as_of_date, customer_unique_key order by purchased_on
        ) as purchase_number
    from purchase_days
),

per_customer as (
    select
        as_of_date,
        customer_unique_key,
        customer_unique_id,
        min(purchased_on) as first_purchase_date,
        max(purchased_on) as last_purchase_date,
        cast(count(*) as integer) as count_purchase_days,
        cast(sum(count_orders) as integer) as count_orders,
        cast(sum(day_value_brl) as decimal(18, 2)) as total_spend_brl,
        cast(sum(case when purchase_number = 1 then day_value_brl end) as decimal(18, 2))
            as first_purchase_value_brl,
        cast(sum(case when purchase_number > 1 then day_value_brl end) as decimal(18, 2))
            as repeat_spend_brl
    from numbered
    group by as_of_date, customer_unique_key, customer_unique_id
),

final as (
    select
        as_of_date,
        customer_unique_key,
        customer_unique_id,
        first_purchase_date,
        last_purchase_date,
        count_orders,
        count_purchase_days,
        cast(count_purchase_days - 1 as integer) as count_repeat_purchases,
        cast({{ days_between_dates('first_purchase_date', 'last_purchase_date') }} as integer)
            as recency_days,
        cast({{ days_between_dates('first_purchase_date', 'as_of_date') }} as integer)
            as customer_age_days,
        cast({{ days_between_dates('last_purchase_date', 'as_of_date') }} as integer)
            as days_since_last_purchase,
        total_spend_brl,
        first_purchase_value_brl,
        case
            when count_purchase_days > 1
                then {{ money_per_unit('repeat_spend_brl', '(count_purchase_days - 1)') }}
        end as avg_repeat_value_brl,
        count_purchase_days > 1 as is_repeat_buyer
    from per_customer
)

select * from final
{%- endmacro %}
