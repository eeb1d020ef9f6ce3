{{ config(materialized='table', tags=['sql_scoring']) }}
{#-
    A table, unlike the views over the Python-written tables in this folder:
    it is computed here, from the marts and the model export alone. The SQL
    stays within what DuckDB and Spark SQL both run (no lists, no arg_min, no
    qualify), so the same file scores on either engine.
-#}
{%- set features = segment_model_feature_names() %}

with

fct_customer_features as (
    select
        customer_unique_key,
        as_of_date{% for feature in features %},
        {{ feature }}{% endfor %}
    from {{ ref('fct_customer_features') }}
),

segment_model_features as (
    select
        model_version,
        feature_name,
        transform,
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

-- One row per customer and model feature, so that scaling and distances are
-- written once for every feature the export lists.
raw_values as (
    {%- for feature in features %}
    select
        customer_unique_key,
        '{{ feature }}' as feature_name,
        cast({{ feature }} as double) as raw_value
    from fct_customer_features
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
),

filled_values as (
    -- A null takes the training median of the raw column (feature_null_policy).
    select
        raw_values.customer_unique_key,
        segment_model_features.model_version,
        raw_values.feature_name,
        segment_model_features.transform,
        segment_model_features.center,
        segment_model_features.scale,
        coalesce(raw_values.raw_value, segment_model_features.fill_value) as filled_value
    from raw_values
    inner join segment_model_features
        on raw_values.feature_name = segment_model_features.feature_name
),

scaled_values as (
    -- CustomerFeatures.transform: the feature's transform, then centre and scale.
    select
        filled_values.customer_unique_key,
        filled_values.model_version,
        filled_values.feature_name,
        (
            -- Qualified: transform is also a keyword of Spark SQL.
            case filled_values.transform
                when 'identity' then filled_values.filled_value
                when 'log1p' then ln(1 + greatest(filled_values.filled_value, 0))
                when 'log2' then ln(greatest(filled_values.filled_value, 1)) / ln(2)
            end - filled_values.center
        ) / filled_values.scale as scaled_value
    from filled_values
),

centre_differences as (
    -- One row per customer, segment and feature.
    select
        scaled_values.customer_unique_key,
        segment_model_segments.model_version,
        segment_model_segments.family,
        segment_model_segments.label,
        segment_model_segments.segment_id,
        segment_model_segments.segment_name,
        segment_model_segments.log_weight,
        segment_model_centres.variance,
        scaled_values.scaled_value - segment_model_centres.centre as difference
    from scaled_values
    inner join segment_model_centres
        on scaled_values.model_version = segment_model_centres.model_version
            and scaled_values.feature_name = segment_model_centres.feature_name
    inner join segment_model_segments
        on segment_model_centres.model_version = segment_model_segments.model_version
            and segment_model_centres.segment_id = segment_model_segments.segment_id
),

segment_fits as (
    -- One row per customer and segment. The log density of a diagonal
    -- Gaussian (null for k-means, which has no variances); 6.283185307179586
    -- is 2π to the last bit of a double.
    select
        customer_unique_key,
        model_version,
        family,
        label,
        segment_id,
        segment_name,
        sum(difference * difference) as squared_distance,
        log_weight - 0.5 * sum(
            ln(cast(6.283185307179586 as double) * variance) + difference * difference / variance
        ) as log_density
    from centre_differences
    group by
        customer_unique_key,
        model_version,
        family,
        label,
        segment_id,
        segment_name,
        log_weight
),

ranked_fits as (
    -- k-means: the nearest centre; Gaussian mixture: the largest weighted log
    -- density (sklearn's predict). Ties go to the lowest label, as numpy's
    -- argmin and argmax take the first.
    select
        customer_unique_key,
        model_version,
        segment_id,
        segment_name,
        squared_distance,
        row_number() over (
            partition by customer_unique_key
            order by
                case when family = 'gaussian_mixture' then -log_density else squared_distance end,
                label
        ) as fit_rank
    from segment_fits
),

final as (
    select
        cast(ranked_fits.customer_unique_key as {{ key_type() }}) as customer_unique_key,
        ranked_fits.segment_id,
        ranked_fits.segment_name,
        ranked_fits.model_version,
        fct_customer_features.as_of_date,
        sqrt(ranked_fits.squared_distance) as distance_to_center
    from ranked_fits
    inner join fct_customer_features
        on ranked_fits.customer_unique_key = fct_customer_features.customer_unique_key
    where ranked_fits.fit_rank = 1
)

select * from final
