-- Each segment profile counts exactly the people assigned to the segment, and
-- every segment with people has a profile.
with

customer_segments as (
    select
        model_version,
        segment_id
    from {{ source('segments', 'customer_segments') }}
),

segment_profiles as (
    select
        model_version,
        segment_id,
        count_customers
    from {{ source('segments', 'segment_profiles') }}
),

assigned as (
    select
        model_version,
        segment_id,
        count(*) as count_customers
    from customer_segments
    group by model_version, segment_id
),

final as (
    select
        coalesce(segment_profiles.model_version, assigned.model_version) as model_version,
        coalesce(segment_profiles.segment_id, assigned.segment_id) as segment_id,
        segment_profiles.count_customers as profile_count_customers,
        assigned.count_customers as assigned_count_customers
    from segment_profiles
    full outer join assigned
        on segment_profiles.model_version = assigned.model_version
            and segment_profiles.segment_id = assigned.segment_id
    where segment_profiles.count_customers is distinct from assigned.count_customers
)

select * from final
