-- Which segment a customer was in on a past date (and under which model),
-- from segments.customer_segment_history. Needs the segments layer
-- (`clustering score` or `clustering refresh`). Parameters are dbt vars
-- (quoted as SQL literals, never pasted as SQL):
--   dbt compile -s customer_segment_on_date
--     --vars '{customer_unique_id: <32-hex id>, on_date: 2018-08-01}'
-- and run the SQL in target/compiled/ against the warehouse.
-- customer_unique_id: 32-hex id of the person; on_date: YYYY-MM-DD.
{%- set customer_unique_id = var('customer_unique_id', '00000000000000000000000000000000') -%}
{%- set on_date = var('on_date', '2018-08-01') %}
with

history as (
    select
        customer_unique_id,
        segment_id,
        segment_name,
        model_version,
        valid_from,
        valid_to
    from {{ source('segments', 'customer_segment_history') }}
),

final as (
    select
        customer_unique_id,
        segment_id,
        segment_name,
        model_version,
        valid_from,
        valid_to
    from history
    where customer_unique_id = {{ sql_string_literal(customer_unique_id) }}
        and valid_from <= cast({{ sql_string_literal(on_date) }} as date)
        and (valid_to is null or valid_to > cast({{ sql_string_literal(on_date) }} as date))
)

select * from final
