{#
    A key map is a bijection between hex ids and keys in 1..2^32-1: no null on
    either side, no id with two keys, no key with two ids. Returns one row per
    broken rule with the number of offending rows.
#}
{% test one_to_one_key_map(model, id_column, key_column) %}
with

key_map as (
    select
        {{ id_column }} as hex_id,
        {{ key_column }} as key_value
    from {{ model }}
),

problems as (
    select 'null id or key' as problem, count(*) as count_rows
    from key_map
    where hex_id is null or key_value is null
    union all
    select 'id with several keys' as problem, count(*) as count_rows
    from (select hex_id from key_map group by hex_id having count(*) > 1) as repeated
    union all
    select 'key with several ids' as problem, count(*) as count_rows
    from (select key_value from key_map group by key_value having count(*) > 1) as repeated
    union all
    select 'key outside 1..4294967295' as problem, count(*) as count_rows
    from key_map
    where key_value < 1 or key_value > 4294967295
)

select *
from problems
where count_rows > 0
{% endtest %}
