-- The numbers marketing reads describe the people: each segment's spend,
-- share of repeat buyers, mean_/median_ of every feature and the count of
-- people with a value behind them (contrasts' count_with_value), and each
-- feature's population mean and median, equal what fct_customer_features
-- gives for the assigned people (nulls skipped, see docs block
-- segment_feature_statistics). The features are read from the mean_<feature>
-- columns of segment_profiles; those that are not columns of
-- fct_customer_features (derived ones) are not checked here.
{%- set tolerance = 1e-9 %}
{%- set mart_columns = [] %}
{%- if execute %}
{%- for column in adapter.get_columns_in_relation(ref('fct_customer_features')) %}
{%- do mart_columns.append(column.name | lower) %}
{%- endfor %}
{%- endif %}
{%- set features = [] %}
{%- for feature in segment_profile_features(source('segments', 'segment_profiles')) if feature in mart_columns %}
{%- do features.append(feature) %}
{%- endfor %}
{#- Read for the profile's own totals, unless already read as a feature. #}
{%- set other_columns = [] %}
{%- for column in ['total_spend_brl', 'is_repeat_buyer'] if column not in features %}
{%- do other_columns.append(column) %}
{%- endfor %}
{%- set statistics = ['total_spend_brl', 'share_repeat_buyers'] %}
{%- for feature in features %}
{%- do statistics.extend(['mean_' ~ feature, 'median_' ~ feature]) %}
{%- endfor %}
with

customer_segments as (
    select
        customer_unique_key,
        model_version,
        segment_id
    from {{ source('segments', 'customer_segments') }}
),

fct_customer_features as (
    select
        {%- for column in features + other_columns %}
        {{ column }},
        {%- endfor %}
        customer_unique_key
    from {{ ref('fct_customer_features') }}
),

segment_profiles as (
    select
        {%- for statistic in statistics %}
        {{ statistic }},
        {%- endfor %}
        model_version,
        segment_id
    from {{ source('segments', 'segment_profiles') }}
),

segment_feature_contrasts as (
    select distinct
        feature_name,
        population_mean,
        population_median
    from {{ source('segments', 'segment_feature_contrasts') }}
),
{#- Read only when there are features to compare (none at parse time). #}
{%- if features | length > 0 %}

contrast_counts as (
    select
        model_version,
        segment_id,
        feature_name,
        count_with_value
    from {{ source('segments', 'segment_feature_contrasts') }}
),
{%- endif %}

scored as (
    select
        {%- for feature in features %}
        cast(fct_customer_features.{{ feature }} as double) as {{ feature }},
        {%- endfor %}
        {%- for column in other_columns %}
        fct_customer_features.{{ column }},
        {%- endfor %}
        customer_segments.model_version,
        customer_segments.segment_id
    from customer_segments
    inner join fct_customer_features
        on customer_segments.customer_unique_key = fct_customer_features.customer_unique_key
),

per_segment as (
    select
        model_version,
        segment_id,
        {%- for feature in features %}
        avg({{ feature }}) as mean_{{ feature }},
        {{ median(feature) }} as median_{{ feature }},
        count({{ feature }}) as count_{{ feature }},
        {%- endfor %}
        cast(sum(total_spend_brl) as double) as total_spend_brl,
        avg(case when is_repeat_buyer then 1.0 else 0.0 end) as share_repeat_buyers
    from scored
    group by model_version, segment_id
),

population as (
    {%- if features | length > 0 %}
    {%- for feature in features %}
    select
        {{ sql_string_literal(feature) }} as feature_name,
        avg({{ feature }}) as population_mean,
        {{ median(feature) }} as population_median
    from scored
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
    {%- else %}
    select
        cast(null as varchar) as feature_name,
        cast(null as double) as population_mean,
        cast(null as double) as population_median
    where false
    {%- endif %}
),

comparisons as (
    {%- for statistic in statistics %}
    select
        segment_profiles.model_version,
        segment_profiles.segment_id,
        {{ sql_string_literal(statistic) }} as statistic,
        segment_profiles.{{ statistic }} as warehouse_value,
        per_segment.{{ statistic }} as recomputed_value
    from segment_profiles
    inner join per_segment
        on segment_profiles.model_version = per_segment.model_version
            and segment_profiles.segment_id = per_segment.segment_id
    union all
    {%- endfor %}
    {%- for feature in features %}
    select
        contrast_counts.model_version,
        contrast_counts.segment_id,
        {{ sql_string_literal('count_with_value_' ~ feature) }} as statistic,
        cast(contrast_counts.count_with_value as double) as warehouse_value,
        cast(per_segment.count_{{ feature }} as double) as recomputed_value
    from contrast_counts
    inner join per_segment
        on contrast_counts.model_version = per_segment.model_version
            and contrast_counts.segment_id = per_segment.segment_id
    where contrast_counts.feature_name = {{ sql_string_literal(feature) }}
    union all
    {%- endfor %}
    select
        null as model_version,
        null as segment_id,
        'population_mean_' || segment_feature_contrasts.feature_name as statistic,
        segment_feature_contrasts.population_mean as warehouse_value,
        population.population_mean as recomputed_value
    from segment_feature_contrasts
    inner join population
        on segment_feature_contrasts.feature_name = population.feature_name
    union all
    select
        null as model_version,
        null as segment_id,
        'population_median_' || segment_feature_contrasts.feature_name as statistic,
        segment_feature_contrasts.population_median as warehouse_value,
        population.population_median as recomputed_value
    from segment_feature_contrasts
    inner join population
        on segment_feature_contrasts.feature_name = population.feature_name
),

final as (
    select *
    from comparisons
    -- A statistic over nobody (no member with a value) is null on both sides.
    where (warehouse_value is null) != (recomputed_value is null)
        or abs(warehouse_value - recomputed_value) > {{ tolerance }} * greatest(1.0, abs(recomputed_value))
)

select * from final
