with

customer_segments as (
    select
        customer_unique_key,
        customer_unique_id,
        segment_id,
        segment_name,
        model_version,
        as_of_date,
        scored_at,
        confidence,
        distance_to_center,
        top_trait_1,
        top_trait_2,
        top_trait_3
    from {{ source('segments', 'customer_segments') }}
),

segment_profiles as (
    select
        model_version,
        segment_id,
        marketing_action
    from {{ source('segments', 'segment_profiles') }}
),

dim_customers as (
    select
        customer_unique_key,
        latest_customer_id,
        customer_zip_code_prefix,
        customer_city,
        customer_state,
        customer_state_name,
        customer_region
    from {{ ref('dim_customers') }}
),

fct_customer_rfm as (
    select
        customer_unique_key,
        first_order_at,
        last_order_at
    from {{ ref('fct_customer_rfm') }}
),

customer_value as (
    select
        customer_unique_key,
        as_of_date,
        value_model_version,
        p_alive,
        is_likely_active,
        expected_purchases_90d,
        expected_purchases_180d,
        expected_order_value_brl,
        expected_value_6m_brl,
        expected_value_6m_low_brl,
        expected_value_6m_high_brl,
        value_rank,
        value_band,
        lifecycle_stage
    from {{ source('segments', 'customer_value') }}
),

segment_audiences as (
    select
        model_version,
        segment_id,
        lifecycle_stage,
        marketing_action
    from {{ source('segments', 'segment_audiences') }}
),

fct_customer_features as (
    select
        customer_unique_key,
        as_of_date,
        days_since_last_order,
        count_orders,
        total_spend_brl,
        avg_order_value_brl,
        is_repeat_buyer,
        rfm_group,
        top_category_name
    from {{ ref('fct_customer_features') }}
),

final as (
    -- The marts and the assignment must describe the same as-of date: after a
    -- rebuild at another date the view is empty until the people are rescored.
    select
        customer_segments.customer_unique_key,
        customer_segments.customer_unique_id,
        dim_customers.latest_customer_id,
        customer_segments.segment_id,
        customer_segments.segment_name,
        segment_profiles.marketing_action as segment_marketing_action,
        customer_segments.confidence as segment_confidence,
        customer_segments.distance_to_center,
        customer_segments.top_trait_1,
        customer_segments.top_trait_2,
        customer_segments.top_trait_3,
        dim_customers.customer_zip_code_prefix,
        dim_customers.customer_city,
        dim_customers.customer_state,
        dim_customers.customer_state_name,
        dim_customers.customer_region,
        fct_customer_rfm.first_order_at,
        fct_customer_rfm.last_order_at,
        fct_customer_features.days_since_last_order,
        fct_customer_features.count_orders,
        fct_customer_features.total_spend_brl,
        fct_customer_features.avg_order_value_brl,
        fct_customer_features.is_repeat_buyer,
        fct_customer_features.rfm_group,
        fct_customer_features.top_category_name,
        customer_value.p_alive,
        customer_value.is_likely_active,
        customer_value.expected_purchases_90d,
        customer_value.expected_purchases_180d,
        customer_value.expected_order_value_brl,
        customer_value.expected_value_6m_brl,
        customer_value.expected_value_6m_low_brl,
        customer_value.expected_value_6m_high_brl,
        customer_value.value_rank,
        customer_value.value_band,
        customer_value.lifecycle_stage,
        segment_audiences.marketing_action as audience_marketing_action,
        customer_value.value_model_version,
        customer_segments.model_version,
        customer_segments.scored_at,
        customer_segments.as_of_date
    from customer_segments
    inner join segment_profiles
        on customer_segments.model_version = segment_profiles.model_version
            and customer_segments.segment_id = segment_profiles.segment_id
    inner join fct_customer_features
        on customer_segments.customer_unique_key = fct_customer_features.customer_unique_key
            and customer_segments.as_of_date = fct_customer_features.as_of_date
    inner join dim_customers
        on customer_segments.customer_unique_key = dim_customers.customer_unique_key
    inner join fct_customer_rfm
        on customer_segments.customer_unique_key = fct_customer_rfm.customer_unique_key
    -- Value columns are null until `clustering value` has fitted a value model,
    -- and for a person scored at another as-of date than the segments.
    left join customer_value
        on customer_segments.customer_unique_key = customer_value.customer_unique_key
            and customer_segments.as_of_date = customer_value.as_of_date
    left join segment_audiences
        on customer_segments.model_version = segment_audiences.model_version
            and customer_segments.segment_id = segment_audiences.segment_id
            and customer_value.lifecycle_stage = segment_audiences.lifecycle_stage
)

select * from final
