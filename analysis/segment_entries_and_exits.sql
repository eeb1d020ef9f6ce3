-- Who entered or left a segment since a day (by default: at the latest
-- refresh, i.e. "since yesterday"), with where they came from or went to.
-- Needs the segments layer (`clustering score` or `clustering refresh`).
-- Parameters are dbt vars (quoted as SQL literals, never pasted as SQL):
--   dbt compile -s segment_entries_and_exits
--     --vars '{segment_name: "One-time buyers, unhappy", since: 2018-08-01}'
-- and run the SQL in target/compiled/ against the warehouse.
-- segment_name: a segment_name of segments.segment_profiles; since:
-- YYYY-MM-DD, changes after that day (unset: the latest refresh's only).
{%- set segment_name = var('segment_name', 'Big-spending repeat buyers, satisfied') -%}
{%- set since = var('since', none) %}
with

history as (
    select
        customer_unique_key,
        customer_unique_id,
        segment_name,
        valid_from,
        valid_to
    from {{ source('segments', 'customer_segment_history') }}
),

window_start as (
    {%- if since is none %}
    -- The latest refresh's changes: every change dated after the refresh before it.
    select max(sizes.as_of_date) as changed_after
    from {{ source('segments', 'segment_size_history') }} as sizes
    where sizes.as_of_date < (
            select max(latest.as_of_date)
            from {{ source('segments', 'segment_size_history') }} as latest
        )
    {%- else %}
    select cast({{ sql_string_literal(since) }} as date) as changed_after
    {%- endif %}
),

entered as (
    select
        arrived.customer_unique_id,
        'entered' as movement,
        arrived.valid_from as changed_on,
        departed.segment_name as other_segment_name
    from history as arrived
    cross join window_start
    left join history as departed
        on arrived.customer_unique_key = departed.customer_unique_key
            and arrived.valid_from = departed.valid_to
    where arrived.segment_name = {{ sql_string_literal(segment_name) }}
        and arrived.valid_from > coalesce(window_start.changed_after, date '1900-01-01')
        and departed.segment_name is distinct from arrived.segment_name
),

exited as (
    select
        departed.customer_unique_id,
        'left' as movement,
        departed.valid_to as changed_on,
        arrived.segment_name as other_segment_name
    from history as departed
    cross join window_start
    left join history as arrived
        on departed.customer_unique_key = arrived.customer_unique_key
            and departed.valid_to = arrived.valid_from
    where departed.segment_name = {{ sql_string_literal(segment_name) }}
        and departed.valid_to > coalesce(window_start.changed_after, date '1900-01-01')
        and arrived.segment_name is distinct from departed.segment_name
),

final as (
    select * from entered
    union all
    select * from exited
)

select * from final
order by changed_on, movement, customer_unique_id
