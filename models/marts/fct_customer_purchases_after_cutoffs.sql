{#- What each person known at a cutoff went on to buy: purchase days and spend
    in the 90 and 180 days after the cutoff, from fct_orders (everything up to
    the marts' as-of date). The holdout outcomes the value model's predictions
    are compared with; docs block `value_holdout_policy`. -#}
with

fct_customer_purchase_summary_at_cutoffs as (
    select
        as_of_date,
        customer_unique_key
    from {{ ref('fct_customer_purchase_summary_at_cutoffs') }}
),

int_as_of_date as (
    select as_of_date as observed_until
    from {{ ref('int_as_of_date') }}
),

later_purchase_days as (
    -- One row per person and purchase day, as in the summary: orders of one
    -- calendar day are one purchase.
    select
        customer_unique_key,
        cast(purchased_at as date) as purchased_on,
        cast(sum(order_value_brl) as decimal(18, 2)) as day_value_brl
    from {{ ref('fct_orders') }}
    where is_purchase
    group by customer_unique_key, cast(purchased_at as date)
),

after_cutoff as (
    select
        known.as_of_date,
        known.customer_unique_key,
        {{ days_between_dates('known.as_of_date', 'later_purchase_days.purchased_on') }}
            as days_after_cutoff,
        later_purchase_days.day_value_brl
    from fct_customer_purchase_summary_at_cutoffs as known
    inner join later_purchase_days
        on known.customer_unique_key = later_purchase_days.customer_unique_key
            and known.as_of_date < later_purchase_days.purchased_on
),

outcomes as (
    select
        as_of_date,
        customer_unique_key,
        cast(sum(case when days_after_cutoff <= 90 then 1 else 0 end) as integer)
            as count_purchases_next_90d,
        cast(sum(case when days_after_cutoff <= 180 then 1 else 0 end) as integer)
            as count_purchases_next_180d,
        cast(
            sum(case when days_after_cutoff <= 90 then day_value_brl else 0 end)
            as decimal(18, 2)
        ) as spend_next_90d_brl,
        cast(
            sum(case when days_after_cutoff <= 180 then day_value_brl else 0 end)
            as decimal(18, 2)
        ) as spend_next_180d_brl
    from after_cutoff
    where days_after_cutoff <= 180
    group by as_of_date, customer_unique_key
),

final as (
    select
        known.as_of_date,
        known.customer_unique_key,
        cast(
            {{ days_between_dates('known.as_of_date', 'int_as_of_date.observed_until') }}
            as integer
        ) as days_observed_after_cutoff,
        coalesce(outcomes.count_purchases_next_90d, 0) as count_purchases_next_90d,
        coalesce(outcomes.count_purchases_next_180d, 0) as count_purchases_next_180d,
        coalesce(outcomes.spend_next_90d_brl, cast(0 as decimal(18, 2))) as spend_next_90d_brl,
        coalesce(outcomes.spend_next_180d_brl, cast(0 as decimal(18, 2))) as spend_next_180d_brl
    from fct_customer_purchase_summary_at_cutoffs as known
    cross join int_as_of_date
    left join outcomes
        on known.as_of_date = outcomes.as_of_date
            and known.customer_unique_key = outcomes.customer_unique_key
)

select * from final
