-- Campaign list: customers of one RFM group in one state who bought in the
-- last 90 days, with the hex id to join back to the CRM.
-- Change the three values below; run with dbt compile or paste into DuckDB.
{%- set rfm_group = 'new' -%}
{%- set state = 'SP' -%}
{%- set within_days = 90 %}
with

fct_customer_features as (
    select
        customer_unique_key,
        rfm_group,
        days_since_last_order,
        total_spend_brl,
        top_category_name
    from {{ ref('fct_customer_features') }}
),

dim_customers as (
    select
        customer_unique_key,
        customer_unique_id,
        customer_city,
        customer_state
    from {{ ref('dim_customers') }}
),

final as (
    select
        dim_customers.customer_unique_id,
        dim_customers.customer_city,
        fct_customer_features.days_since_last_order,
        fct_customer_features.total_spend_brl,
        fct_customer_features.top_category_name
    from fct_customer_features
    inner join dim_customers
        on fct_customer_features.customer_unique_key = dim_customers.customer_unique_key
    where
        fct_customer_features.rfm_group = {{ sql_string_literal(rfm_group) }}
        and dim_customers.customer_state = {{ sql_string_literal(state) }}
        and fct_customer_features.days_since_last_order <= {{ within_days | int }}
)

select * from final
order by total_spend_brl desc
