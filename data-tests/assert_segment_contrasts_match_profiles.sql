-- segment_feature_contrasts holds one row per profile segment per feature of
-- segment_profiles (its mean_<feature> columns), no more, and its segment mean
-- and median are the profile's, null in the same places (where no member of
-- the segment has a value: contrasts' null_exactly_when tests tie that to
-- count_with_value).
{%- set tolerance = 1e-9 %}
{%- set features = segment_profile_features(source('segments', 'segment_profiles')) %}
with

segment_profiles as (
    select
        model_version,
        {%- for feature in features %}
        mean_{{ feature }},
        median_{{ feature }},
        {%- endfor %}
        segment_id
    from {{ source('segments', 'segment_profiles') }}
),

segment_feature_contrasts as (
    select
        model_version,
        segment_id,
        feature_name,
        segment_mean,
        segment_median
    from {{ source('segments', 'segment_feature_contrasts') }}
),

profile_statistics as (
    {%- if features | length > 0 %}
    {%- for feature in features %}
    select
        model_version,
        segment_id,
        {{ sql_string_literal(feature) }} as feature_name,
        mean_{{ feature }} as segment_mean,
        median_{{ feature }} as segment_median
    from segment_profiles
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
    {%- else %}
    select
        model_version,
        segment_id,
        cast(null as varchar) as feature_name,
        cast(null as double) as segment_mean,
        cast(null as double) as segment_median
    from segment_profiles
    where false
    {%- endif %}
),

final as (
    select
        coalesce(profile_statistics.model_version, segment_feature_contrasts.model_version) as model_version,
        coalesce(profile_statistics.segment_id, segment_feature_contrasts.segment_id) as segment_id,
        coalesce(profile_statistics.feature_name, segment_feature_contrasts.feature_name) as feature_name,
        profile_statistics.segment_mean as profile_mean,
        segment_feature_contrasts.segment_mean as contrast_mean,
        profile_statistics.segment_median as profile_median,
        segment_feature_contrasts.segment_median as contrast_median
    from profile_statistics
    full outer join segment_feature_contrasts
        on profile_statistics.model_version = segment_feature_contrasts.model_version
            and profile_statistics.segment_id = segment_feature_contrasts.segment_id
            and profile_statistics.feature_name = segment_feature_contrasts.feature_name
    where profile_statistics.feature_name is null
        or segment_feature_contrasts.feature_name is null
        or (profile_statistics.segment_mean is null) != (segment_feature_contrasts.segment_mean is null)
        or (profile_statistics.segment_median is null) != (segment_feature_contrasts.segment_median is null)
        or abs(profile_statistics.segment_mean - segment_feature_contrasts.segment_mean)
        > {{ tolerance }} * greatest(1.0, abs(profile_statistics.segment_mean))
        or abs(profile_statistics.segment_median - segment_feature_contrasts.segment_median)
        > {{ tolerance }} * greatest(1.0, abs(profile_statistics.segment_median))
)

select * from final
