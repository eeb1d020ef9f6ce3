-- Campaign list for a learned segment: its customers in one state who bought
-- in the last N days, with the hex id to join back to the CRM and why the
-- model put them there. Needs the segments layer (`clustering score`, then
-- `dbt build --selector segments`).
-- Change the three parameters below; run with
-- `dbt compile -s segment_customers_in_state_recent` and the SQL in
-- target/compiled/, or paste it into DuckDB with the schema names
-- (segments.dim_customer_segments).
{%- set segment_name = 'Big-spending repeat buyers, satisfied' -%}  {#- a segment_name of segments.segment_profiles #}
{%- set state = 'SP' -%}                    {#- state code (UF) #}
{%- set within_days = 90 %}                 {#- bought in the last N days #}
with

dim_customer_segments as (
    select
        customer_unique_id,
        segment_name,
        segment_confidence,
        top_trait_1,
        top_trait_2,
        top_trait_3,
        customer_city,
        customer_state,
        last_order_at,
        days_since_last_order,
        count_orders,
        total_spend_brl,
        rfm_group
    from {{ ref('dim_customer_segments') }}
),

final as (
    select
        customer_unique_id,
        customer_city,
        last_order_at,
        days_since_last_order,
        count_orders,
        total_spend_brl,
        rfm_group,
        segment_confidence,
        top_trait_1,
        top_trait_2,
        top_trait_3
    from dim_customer_segments
    where
        segment_name = {{ sql_string_literal(segment_name) }}
        and customer_state = {{ sql_string_literal(state) }}
        and days_since_last_order <= {{ within_days | int }}
)

select * from final
order by total_spend_brl desc
