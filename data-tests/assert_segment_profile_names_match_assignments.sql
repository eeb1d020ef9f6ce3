-- Every assignment carries the name of its segment's profile: one name per
-- segment, the same in customer_segments and segment_profiles.
with

customer_segments as (
    select distinct
        model_version,
        segment_id,
        segment_name
    from {{ source('segments', 'customer_segments') }}
),

segment_profiles as (
    select
        model_version,
        segment_id,
        segment_name
    from {{ source('segments', 'segment_profiles') }}
),

final as (
    select
        customer_segments.model_version,
        customer_segments.segment_id,
        customer_segments.segment_name as assigned_segment_name,
        segment_profiles.segment_name as profile_segment_name
    from customer_segments
    left join segment_profiles
        on customer_segments.model_version = segment_profiles.model_version
            and customer_segments.segment_id = segment_profiles.segment_id
    where segment_profiles.segment_name is distinct from customer_segments.segment_name
)

select * from final
