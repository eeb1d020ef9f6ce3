{#
    Everything the clustering package needs, one row per person per as-of
    date: the RFM relation's values and scores plus delivery, review, distance,
    payment, basket and category features aggregated over the person's
    purchases in the orders relation (shaped like fct_orders).
    Null policy (docs block `feature_null_policy`): a feature with no
    underlying event is null and its flag says why: delivery features need
    has_delivered_order, review features has_review, avg_distance_km
    has_distance, payment shares has_payment. No other column is null.
#}
{% macro customer_features(orders, rfm) %}
with

purchases as (
    select * from {{ orders }}
    where is_purchase
),

rfm as (
    select * from {{ rfm }}
),

brazil_states as (
    select
        state_code,
        region
    from {{ ref('brazil_states') }}
),

category_spend as (
    select
        as_of_date,
        customer_unique_key,
        main_category_name,
        row_number() over (
            partition by as_of_date, customer_unique_key
            order by sum(order_value_brl) desc, main_category_name asc
        ) as spend_rank
    from purchases
    group by as_of_date, customer_unique_key, main_category_name
),

aggregated as (
    select
        as_of_date,
        customer_unique_key,
        -- Where the person lives now: the alias of their most recent purchase.
        {{ arg_max_by('customer_state', ['purchased_at', 'order_id']) }} as customer_state,
        -- Score of the most recent purchase that has a review (nulls are skipped).
        {{ arg_max_by('review_score', ['purchased_at', 'order_id']) }} as last_review_score,
        cast(sum(count_item_lines) as integer) as count_item_lines,
        avg(count_item_lines) as avg_items_per_order,
        -- Ratios divide doubles: decimal / decimal is a double on DuckDB but a
        -- rounded decimal on Spark. 1e0 is a double literal on both, 1.0 a decimal.
        coalesce(cast(sum(freight_brl) as double) / nullif(cast(sum(order_value_brl) as double), 0), 0) as freight_share,
        cast(count(distinct main_category_name) as integer) as count_distinct_categories,
        cast(sum(case when is_delivered then 1 else 0 end) as integer) as count_delivered_orders,
        avg(days_to_deliver) as avg_days_to_deliver,
        avg(days_late) as avg_days_late,
        avg(case when is_delivered then case when is_late then 1e0 else 0e0 end end) as share_late_deliveries,
        cast(sum(case when has_review then 1 else 0 end) as integer) as count_reviewed_orders,
        avg(review_score) as avg_review_score,
        min(review_score) as min_review_score,
        avg(case when has_review then case when has_review_comment then 1e0 else 0e0 end end) as share_reviews_with_comment,
        avg(distance_km) as avg_distance_km,
        cast(sum(payment_total_brl) as decimal(18, 2)) as payment_total_brl,
        cast(sum(paid_credit_card_brl) as double) / nullif(cast(sum(payment_total_brl) as double), 0) as share_paid_credit_card,
        cast(sum(paid_boleto_brl) as double) / nullif(cast(sum(payment_total_brl) as double), 0) as share_paid_boleto,
        cast(sum(paid_voucher_brl) as double) / nullif(cast(sum(payment_total_brl) as double), 0) as share_paid_voucher,
        cast(sum(paid_debit_card_brl) as double) / nullif(cast(sum(payment_total_brl) as double), 0) as share_paid_debit_card,
        coalesce(avg(max_installments), 0.0) as avg_installments,
        coalesce(max(max_installments), 0) as max_installments,
        max(case when has_voucher then 1 else 0 end) = 1 as has_used_voucher
    from purchases
    group by as_of_date, customer_unique_key
),

final as (
    select
        rfm.as_of_date,
        rfm.customer_unique_key,
        rfm.customer_unique_id,
        aggregated.customer_state,
        brazil_states.region as customer_region,
        rfm.days_since_last_order,
        rfm.days_since_first_order,
        rfm.count_orders,
        rfm.total_spend_brl,
        rfm.avg_order_value_brl,
        rfm.r_score,
        rfm.f_score,
        rfm.m_score,
        rfm.rfm_group,
        rfm.count_orders > 1 as is_repeat_buyer,
        aggregated.count_item_lines,
        aggregated.avg_items_per_order,
        aggregated.freight_share,
        aggregated.count_distinct_categories,
        category_spend.main_category_name as top_category_name,
        aggregated.count_delivered_orders,
        aggregated.count_delivered_orders > 0 as has_delivered_order,
        aggregated.avg_days_to_deliver,
        aggregated.avg_days_late,
        aggregated.share_late_deliveries,
        aggregated.count_reviewed_orders,
        aggregated.count_reviewed_orders > 0 as has_review,
        aggregated.avg_review_score,
        aggregated.min_review_score,
        aggregated.last_review_score,
        aggregated.share_reviews_with_comment,
        aggregated.avg_distance_km is not null as has_distance,
        aggregated.avg_distance_km,
        aggregated.payment_total_brl > 0 as has_payment,
        aggregated.share_paid_credit_card,
        aggregated.share_paid_boleto,
        aggregated.share_paid_voucher,
        aggregated.share_paid_debit_card,
        aggregated.avg_installments,
        aggregated.max_installments,
        aggregated.has_used_voucher
    from rfm
    inner join aggregated
        on rfm.as_of_date = aggregated.as_of_date
        and rfm.customer_unique_key = aggregated.customer_unique_key
    inner join category_spend
        on rfm.as_of_date = category_spend.as_of_date
        and rfm.customer_unique_key = category_spend.customer_unique_key
        and category_spend.spend_rank = 1
    left join brazil_states
        on aggregated.customer_state = brazil_states.state_code
)

select * from final
{%- endmacro %}
