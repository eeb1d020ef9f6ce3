-- Every possible (order count, r_score, m_score) matches at least one rule of
-- the seed rfm_segment_rules, so no customer can fall outside the groups.
with

order_counts as (
    select 1 as count_orders
    union all
    select 2
    union all
    select 5
    union all
    select 17
),

scores as (
    select 1 as score
    union all
    select 2
    union all
    select 3
    union all
    select 4
    union all
    select 5
),

combinations as (
    select
        order_counts.count_orders,
        r_scores.score as r_score,
        m_scores.score as m_score
    from order_counts
    cross join scores as r_scores
    cross join scores as m_scores
),

rules as (
    select * from {{ ref('rfm_segment_rules') }}
)

select combinations.*
from combinations
where not exists (
        select 1
        from rules
        where combinations.count_orders between rules.min_orders and rules.max_orders
            and combinations.r_score between rules.min_r_score and rules.max_r_score
            and combinations.m_score between rules.min_m_score and rules.max_m_score
    )
