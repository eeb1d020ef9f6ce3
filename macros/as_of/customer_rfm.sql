{#
    RFM per person (customer_unique_key) per as-of date, from an orders
    relation shaped like fct_orders (one row per cutoff and order). Only
    purchases count (docs block `purchase_policy`); money is items + freight
    (docs block `money_policy`). Scores and groups follow docs block
    `rfm_policy`:
    - r_score, m_score: 1 + floor(5 * percent_rank), capped at 5, within the
      as-of date; ties share a score. Fewer days since the last order and more
      spend score higher.
    - f_score: fixed thresholds (var rfm_frequency_thresholds), since with
      97 % one-order customers quintiles of the order count are meaningless.
    - rfm_group: the first rule of seed rfm_segment_rules (by priority) that
      the customer's order count and scores satisfy.
#}
{% macro customer_rfm(orders) %}
{%- set thresholds = var('rfm_frequency_thresholds') -%}
{%- if thresholds | length != 4 -%}
    {{ exceptions.raise_compiler_error("var rfm_frequency_thresholds must list four order counts (for f_score 2, 3, 4, 5); got " ~ thresholds) }}
{%- endif -%}
with

purchases as (
    select
        as_of_date,
        customer_unique_key,
        customer_unique_id,
        purchased_at,
        order_value_brl
    from {{ orders }}
    where is_purchase
),

rfm_segment_rules as (
    select
        priority,
        rfm_group,
        min_orders,
        max_orders,
        min_r_score,
        max_r_score,
        min_m_score,
        max_m_score
    from {{ ref('rfm_segment_rules') }}
),

per_customer as (
    select
        as_of_date,
        customer_unique_key,
        customer_unique_id,
        min(purchased_at) as first_order_at,
        max(purchased_at) as last_order_at,
        cast(count(*) as integer) as count_orders,
        cast(sum(order_value_brl) as decimal(18, 2)) as total_spend_brl
    from purchases
    group by as_of_date, customer_unique_key, customer_unique_id
),

measured as (
    select
        *,
        cast({{ days_between_dates('last_order_at', 'as_of_date') }} as integer) as days_since_last_order,
        cast({{ days_between_dates('first_order_at', 'as_of_date') }} as integer) as days_since_first_order,
        {{ money_per_unit('total_spend_brl', 'count_orders') }} as avg_order_value_brl
    from per_customer
),

scored as (
    select
        *,
        cast(least(5, 1 + floor(5 * percent_rank() over (
            partition by as_of_date order by days_since_last_order desc
        ))) as integer) as r_score,
        cast(1
            {%- for threshold in thresholds %}
            + case when count_orders >= {{ threshold | int }} then 1 else 0 end
            {%- endfor %}
        as integer) as f_score,
        cast(least(5, 1 + floor(5 * percent_rank() over (
            partition by as_of_date order by total_spend_brl asc
        ))) as integer) as m_score
    from measured
),

grouped as (
    select
        scored.*,
        rfm_segment_rules.rfm_group,
        row_number() over (
            partition by scored.as_of_date, scored.customer_unique_key
            order by rfm_segment_rules.priority
        ) as rule_rank
    from scored
    left join rfm_segment_rules
        on scored.count_orders between rfm_segment_rules.min_orders and rfm_segment_rules.max_orders
        and scored.r_score between rfm_segment_rules.min_r_score and rfm_segment_rules.max_r_score
        and scored.m_score between rfm_segment_rules.min_m_score and rfm_segment_rules.max_m_score
),

final as (
    select
        as_of_date,
        customer_unique_key,
        customer_unique_id,
        first_order_at,
        last_order_at,
        days_since_last_order,
        days_since_first_order,
        count_orders,
        total_spend_brl,
        avg_order_value_brl,
        r_score,
        f_score,
        m_score,
        cast(r_score as string) || cast(f_score as string) || cast(m_score as string) as rfm_cell,
        rfm_group
    from grouped
    where rule_rank = 1
)

select * from final
{%- endmacro %}
