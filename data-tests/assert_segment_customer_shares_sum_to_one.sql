-- Each profile's share_customers is its count over everyone scored, and the
-- shares sum to 1 (up to floating-point rounding).
{%- set tolerance = 1e-9 %}
with

segment_profiles as (
    select
        segment_id,
        count_customers,
        share_customers
    from {{ source('segments', 'segment_profiles') }}
),

totals as (
    select
        sum(count_customers) as count_customers,
        sum(share_customers) as share_customers
    from segment_profiles
),

final as (
    select
        'segment ' || segment_profiles.segment_id as scope,
        segment_profiles.share_customers,
        segment_profiles.count_customers / totals.count_customers as expected_share
    from segment_profiles
    cross join totals
    where abs(segment_profiles.share_customers - segment_profiles.count_customers / totals.count_customers)
        > {{ tolerance }}
    union all
    select
        'all segments' as scope,
        share_customers,
        1.0 as expected_share
    from totals
    where abs(share_customers - 1.0) > {{ tolerance }}
)

select * from final
