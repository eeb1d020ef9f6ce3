-- Size, value and recency of each RFM group, with the campaign the seed
-- recommends: the first table marketing asks for.
-- Run: dbt compile -s rfm_groups_overview, then the SQL in target/compiled/
-- (or paste it with the schema names marts./reference.).
with

fct_customer_rfm as (
    select
        rfm_group,
        total_spend_brl,
        days_since_last_order
    from {{ ref('fct_customer_rfm') }}
),

rfm_segment_rules as (
    select
        rfm_group,
        priority,
        description,
        marketing_action
    from {{ ref('rfm_segment_rules') }}
),

per_group as (
    select
        rfm_group,
        count(*) as customers,
        sum(total_spend_brl) as spend_brl,
        avg(days_since_last_order) as avg_days_since_last_order
    from fct_customer_rfm
    group by rfm_group
),

final as (
    select
        rfm_segment_rules.priority,
        per_group.rfm_group,
        per_group.customers,
        round(per_group.customers / sum(per_group.customers) over (), 3) as share_of_customers,
        round(per_group.spend_brl / sum(per_group.spend_brl) over (), 3) as share_of_spend,
        round(per_group.avg_days_since_last_order, 0) as avg_days_since_last_order,
        rfm_segment_rules.description,
        rfm_segment_rules.marketing_action
    from per_group
    inner join rfm_segment_rules
        on per_group.rfm_group = rfm_segment_rules.rfm_group
)

select * from final
order by priority
