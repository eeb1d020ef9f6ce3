-- How big each segment was on every refresh day, with the people who entered
-- and left it that day: one row per day and segment, for a chart or a
-- campaign calendar. Needs the segments layer (`clustering score` or
-- `clustering refresh`); paste into DuckDB with the schema names, or
-- `dbt compile -s segment_sizes_by_day`.
with

segment_size_history as (
    select
        as_of_date,
        segment_name,
        count_customers,
        count_entered,
        count_left,
        model_version
    from {{ source('segments', 'segment_size_history') }}
),

final as (
    select
        as_of_date,
        segment_name,
        count_customers,
        count_entered,
        count_left,
        count_customers / sum(count_customers) over (partition by as_of_date) as share_customers,
        model_version
    from segment_size_history
)

select * from final
order by as_of_date, segment_name
