{{ config(tags=['sql_scoring']) }}
-- The three files of the segment model export describe one model completely,
-- so the SQL scoring cannot silently drop or misplace anybody: one model
-- version and one known family; labels 0, 1, ... and segment ids each once;
-- one centre per segment and feature, nothing else; a positive scale per
-- feature; for a Gaussian mixture a weight per segment and a positive
-- variance per centre. Returns one row per problem.
with

segment_model_features as (
    select
        model_version,
        feature_name,
        fill_value,
        center,
        scale
    from {{ segment_model_relation('segment_model_features') }}
),

segment_model_segments as (
    select
        model_version,
        family,
        label,
        segment_id,
        segment_name,
        log_weight
    from {{ segment_model_relation('segment_model_segments') }}
),

segment_model_centres as (
    select
        model_version,
        segment_id,
        feature_name,
        centre,
        variance
    from {{ segment_model_relation('segment_model_centres') }}
),

versions as (
    select model_version from segment_model_features
    union all
    select model_version from segment_model_segments
    union all
    select model_version from segment_model_centres
),

version_shape as (
    select
        count(distinct model_version) as count_versions,
        count(*) - count(model_version) as count_null_versions
    from versions
),

segment_shape as (
    select
        count(distinct family) as count_families,
        count(*) as count_segments,
        count(distinct label) as count_labels,
        min(label) as min_label,
        max(label) as max_label,
        count(distinct segment_id) as count_segment_ids,
        count(distinct segment_name) as count_segment_names
    from segment_model_segments
),

shape_problems as (
    select 'not exactly one model version' as problem
    from version_shape
    where count_versions != 1 or count_null_versions > 0
    union all
    select 'not exactly one family' as problem
    from segment_shape
    where count_families != 1
    union all
    select 'labels are not 0, 1, ... each once' as problem
    from segment_shape
    where count_labels != count_segments or min_label != 0 or max_label != count_segments - 1
    union all
    select 'segment ids or names not unique' as problem
    from segment_shape
    where count_segment_ids != count_segments or count_segment_names != count_segments
),

segment_problems as (
    select concat('segment ', cast(segment_id as string), ': unknown family or missing weight') as problem
    from segment_model_segments
    where
        segment_id is null
        or segment_name is null
        or family is null
        or family not in ('kmeans', 'gaussian_mixture')
        or (family = 'gaussian_mixture' and log_weight is null)
),

feature_problems as (
    select concat('feature ', feature_name, ': missing fill value or center, or scale not positive') as problem
    from segment_model_features
    where fill_value is null or center is null or not coalesce(scale > 0, false)
),

expected_centres as (
    select
        segment_model_segments.segment_id,
        segment_model_segments.family,
        segment_model_features.feature_name
    from segment_model_segments
    cross join segment_model_features
),

centre_counts as (
    select
        coalesce(expected_centres.segment_id, segment_model_centres.segment_id) as segment_id,
        coalesce(expected_centres.feature_name, segment_model_centres.feature_name) as feature_name,
        max(expected_centres.family) as model_family,
        count(expected_centres.segment_id) as count_expected,
        count(segment_model_centres.segment_id) as count_centres,
        count(segment_model_centres.centre) as count_centre_values,
        sum(case when segment_model_centres.variance > 0 then 1 else 0 end) as count_positive_variances
    from expected_centres
    full outer join segment_model_centres
        on expected_centres.segment_id = segment_model_centres.segment_id
            and expected_centres.feature_name = segment_model_centres.feature_name
    group by
        coalesce(expected_centres.segment_id, segment_model_centres.segment_id),
        coalesce(expected_centres.feature_name, segment_model_centres.feature_name)
),

centre_problems as (
    select
        concat(
            'segment ', cast(segment_id as string), ', feature ', feature_name,
            ': not exactly one centre of a known segment and feature, or no positive variance'
        ) as problem
    from centre_counts
    where
        count_expected != 1
        or count_centres != 1
        or count_centre_values != 1
        or (model_family = 'gaussian_mixture' and count_positive_variances != 1)
),

final as (
    select problem from shape_problems
    union all
    select problem from segment_problems
    union all
    select problem from feature_problems
    union all
    select problem from centre_problems
)

select * from final
