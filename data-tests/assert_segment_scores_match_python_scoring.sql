-- The SQL scoring (fct_customer_segment_scores) agrees with the Python one
-- (segments.customer_segments, written by `clustering score`) person by
-- person: the same segment id and name, and the same distance to the centre
-- within 1e-6. Only rows of the same model version and as-of date are
-- compared, and only when the SQL table exists: a warehouse scored in Python
-- alone (the daily refresh, which never runs the `sql_scoring` selector) or a
-- table left from another day or model has nothing to compare. The pairs
-- must cover both sides when the versions and dates match.
{%- set scores = ref('fct_customer_segment_scores') %}
{%- set scores_exist = execute and load_relation(scores) is not none %}
with

customer_segments as (
    select
        customer_unique_key,
        segment_id,
        segment_name,
        model_version,
        as_of_date,
        distance_to_center
    from {{ source('segments', 'customer_segments') }}
),

fct_customer_segment_scores as (
    {%- if scores_exist %}
    select
        customer_unique_key,
        segment_id,
        segment_name,
        model_version,
        as_of_date,
        distance_to_center
    from {{ scores }}
    {%- else %}
    -- Not built in this warehouse: compare nothing.
    select
        customer_unique_key,
        segment_id,
        segment_name,
        model_version,
        as_of_date,
        distance_to_center
    from customer_segments
    where 1 = 0
    {%- endif %}
),

compared_runs as (
    select distinct
        customer_segments.model_version,
        customer_segments.as_of_date
    from customer_segments
    inner join fct_customer_segment_scores
        on customer_segments.model_version = fct_customer_segment_scores.model_version
            and customer_segments.as_of_date = fct_customer_segment_scores.as_of_date
),

python_scores as (
    select customer_segments.*
    from customer_segments
    inner join compared_runs
        on customer_segments.model_version = compared_runs.model_version
            and customer_segments.as_of_date = compared_runs.as_of_date
),

sql_scores as (
    select fct_customer_segment_scores.*
    from fct_customer_segment_scores
    inner join compared_runs
        on fct_customer_segment_scores.model_version = compared_runs.model_version
            and fct_customer_segment_scores.as_of_date = compared_runs.as_of_date
),

compared as (
    select
        coalesce(python_scores.customer_unique_key, sql_scores.customer_unique_key) as customer_unique_key,
        python_scores.segment_id as python_segment_id,
        sql_scores.segment_id as sql_segment_id,
        python_scores.distance_to_center as python_distance_to_center,
        sql_scores.distance_to_center as sql_distance_to_center,
        case
            when sql_scores.customer_unique_key is null then 'not scored in SQL'
            when python_scores.customer_unique_key is null then 'not scored in Python'
            when python_scores.segment_id != sql_scores.segment_id then 'other segment'
            when python_scores.segment_name != sql_scores.segment_name then 'other segment name'
            when not abs(python_scores.distance_to_center - sql_scores.distance_to_center) <= 1e-6
                then 'other distance to the centre'
        end as problem
    from python_scores
    full outer join sql_scores
        on python_scores.customer_unique_key = sql_scores.customer_unique_key
),

final as (
    select *
    from compared
    where problem is not null
)

select * from final
