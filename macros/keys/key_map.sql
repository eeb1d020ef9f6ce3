{#
    Persistent map from a 32-hex Olist id to a dense unsigned 32-bit key.

    - Dense and order-independent: on the first build, keys 1..N follow the
      sorted hex ids, so the same ids in any file order give the same keys.
    - Stable under growth: the model is incremental (append) with
      full_refresh = false (set for models/intermediate/keys in
      dbt_project.yml), so a later build only appends ids it has not seen,
      numbered after the current maximum, and `dbt build --full-refresh`
      cannot renumber existing ids.
    - Bounded: a key past 4,294,967,295 (2^32 - 1) fails the build instead of
      wrapping around.
    Arguments: id_column (hex id column in from_relation), key_column (name of
    the key column), from_relation (a staging model).
#}
{% macro key_map(id_column, key_column, from_relation) %}
{%- if id_column is none or key_column is none or from_relation is none -%}
    {{ exceptions.raise_compiler_error("key_map(id_column, key_column, from_relation): all three arguments are required") }}
{%- endif -%}
with

ids as (
    select distinct {{ id_column }} as hex_id
    from {{ from_relation }}
    where {{ id_column }} is not null
),

{% if is_incremental() -%}
existing as (
    select
        {{ id_column }} as hex_id,
        {{ key_column }} as key_value
    from {{ this }}
),

new_ids as (
    select ids.hex_id
    from ids
    left join existing
        on ids.hex_id = existing.hex_id
    where existing.hex_id is null
),

key_offset as (
    select coalesce(max(key_value), 0) as max_key
    from existing
),
{%- else -%}
new_ids as (
    select hex_id
    from ids
),

key_offset as (
    select 0 as max_key
),
{%- endif %}

numbered as (
    select
        new_ids.hex_id,
        key_offset.max_key + row_number() over (order by new_ids.hex_id) as key_value
    from new_ids
    cross join key_offset
),

final as (
    select
        hex_id as {{ id_column }},
        case
            when key_value > 4294967295
                then cast({{ raise_sql_error('key_map: more than 4,294,967,295 ids for ' ~ id_column ~ '; the unsigned 32-bit key space is exhausted') }} as {{ key_type() }})
            else cast(key_value as {{ key_type() }})
        end as {{ key_column }}
    from numbered
)

select * from final
{%- endmacro %}
