-- Each profile's revenue_share is its spend over everyone's, and the revenue
-- shares sum to 1 (up to floating-point rounding).
{%- set tolerance = 1e-9 %}
with

segment_profiles as (
    select
        segment_id,
        total_spend_brl,
        revenue_share
    from {{ source('segments', 'segment_profiles') }}
),

totals as (
    select
        sum(total_spend_brl) as total_spend_brl,
        sum(revenue_share) as revenue_share
    from segment_profiles
),

final as (
    select
        'segment ' || segment_profiles.segment_id as scope,
        segment_profiles.revenue_share,
        segment_profiles.total_spend_brl / totals.total_spend_brl as expected_share
    from segment_profiles
    cross join totals
    where abs(segment_profiles.revenue_share - segment_profiles.total_spend_brl / totals.total_spend_brl)
        > {{ tolerance }}
    union all
    select
        'all segments' as scope,
        revenue_share,
        1.0 as expected_share
    from totals
    where abs(revenue_share - 1.0) > {{ tolerance }}
)

select * from final
