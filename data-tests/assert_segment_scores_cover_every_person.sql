{{ config(tags=['sql_scoring']) }}
-- fct_customer_segment_scores scores every person of fct_customer_features
-- (the grain): a person missing here lost a feature or segment row in a join,
-- for example a feature of the export without centres.
with

fct_customer_features as (
    select customer_unique_key
    from {{ ref('fct_customer_features') }}
),

fct_customer_segment_scores as (
    select customer_unique_key
    from {{ ref('fct_customer_segment_scores') }}
),

final as (
    select fct_customer_features.customer_unique_key
    from fct_customer_features
    left join fct_customer_segment_scores
        on fct_customer_features.customer_unique_key = fct_customer_segment_scores.customer_unique_key
    where fct_customer_segment_scores.customer_unique_key is null
)

select * from final
