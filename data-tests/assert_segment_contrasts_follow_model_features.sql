-- Every segment of the current model has a contrast row for each feature the
-- model reads (segments.model_features where is_used) and for no other
-- feature: profiles, contrasts and cards follow the model's own feature list
-- (docs block feature_coverage_policy). A model saved before model_features
-- existed has no rows there and is not checked.
with

measured_models as (
    select distinct model_version
    from {{ source('segments', 'model_features') }}
),

customer_segments as (
    select distinct
        customer_segments.model_version,
        customer_segments.segment_id
    from {{ source('segments', 'customer_segments') }} as customer_segments
    inner join measured_models
        on customer_segments.model_version = measured_models.model_version
),

model_features as (
    select
        model_version,
        feature_name
    from {{ source('segments', 'model_features') }}
    where is_used
),

expected as (
    select
        customer_segments.model_version,
        customer_segments.segment_id,
        model_features.feature_name
    from customer_segments
    inner join model_features
        on customer_segments.model_version = model_features.model_version
),

segment_feature_contrasts as (
    select
        segment_feature_contrasts.model_version,
        segment_feature_contrasts.segment_id,
        segment_feature_contrasts.feature_name
    from {{ source('segments', 'segment_feature_contrasts') }} as segment_feature_contrasts
    inner join measured_models
        on segment_feature_contrasts.model_version = measured_models.model_version
),

final as (
    select
        coalesce(expected.model_version, segment_feature_contrasts.model_version) as model_version,
        coalesce(expected.segment_id, segment_feature_contrasts.segment_id) as segment_id,
        coalesce(expected.feature_name, segment_feature_contrasts.feature_name) as feature_name,
        case
            when segment_feature_contrasts.feature_name is null then 'model feature without a contrast'
            else 'contrast of a feature the model does not read'
        end as problem
    from expected
    full outer join segment_feature_contrasts
        on expected.model_version = segment_feature_contrasts.model_version
            and expected.segment_id = segment_feature_contrasts.segment_id
            and expected.feature_name = segment_feature_contrasts.feature_name
    where expected.feature_name is null
        or segment_feature_contrasts.feature_name is null
)

select * from final
