{#
    Body of every stg_olist__orphaned_<table> model: the rows of
    base_olist__<table> that passed every row check and hold their primary key
    but name a parent that is not staged (an order of an unknown or rejected
    customer, an item of an unknown order, product or seller, ...), one row
    each with reject_reason `orphan_foreign_key`, the blamed column (the first
    foreign key, in the order of olist_foreign_keys(), without a staged parent)
    and its raw value. stg_olist__<table> leaves these rows out and
    audit_rejected_rows lists them, so every raw row still lands in exactly
    one of the two.
    Why here and not in the base model: the check reads the parent's staging
    model, and a base model reads its file only. Checked after the base
    model's reasons, so a row is never blamed for its parent's problem twice.

    Arguments
    - table_name: an `olist` source table with foreign keys
      (a key of olist_foreign_keys()).
#}
{% macro olist_orphaned_rows(table_name) %}
{%- set foreign_keys = olist_foreign_keys().get(table_name) -%}
{%- if not foreign_keys -%}
    {{ exceptions.raise_compiler_error("olist_orphaned_rows(" ~ table_name ~ "): no foreign keys for this table in olist_foreign_keys() (macros/loading/olist_foreign_keys.sql)") }}
{%- endif -%}
{%- set parents = foreign_keys | map(attribute='parent') | list -%}
{%- if parents | unique | list | length != parents | length -%}
    {{ exceptions.raise_compiler_error("olist_orphaned_rows(" ~ table_name ~ "): two foreign keys to the same parent are not supported") }}
{%- endif -%}
with

base_olist__{{ table_name }} as (
    -- Rows with no reason in the base model: the only ones whose parents
    -- are checked.
    select
        source_row_number,
        {%- for fk in foreign_keys %}
        {{ fk.column }}{{ ',' if not loop.last }}
        {%- endfor %}
    from {{ ref('base_olist__' ~ table_name) }}
    where reject_reason is null
),
{%- for fk in foreign_keys %}

stg_olist__{{ fk.parent }} as (
    -- The parent's primary key (unique by construction and tested).
    select {{ fk.parent_column }}
    from {{ ref('stg_olist__' ~ fk.parent) }}
),
{%- endfor %}

parent_checked as (
    -- One flag per foreign key, as a membership test rather than a left join:
    -- the engine then hashes the narrow parent keys instead of possibly the
    -- wide child rows (at scale 30 three chained left joins ran out of memory;
    -- at scale 10 this form is about a third faster with half the memory).
    select
        base_olist__{{ table_name }}.*
        {%- for fk in foreign_keys %},
        {{ has_match('base_olist__' ~ table_name ~ '.' ~ fk.column, 'stg_olist__' ~ fk.parent, fk.parent_column) }} as has_{{ fk.parent }}_parent
        {%- endfor %}
    from base_olist__{{ table_name }}
),

orphaned as (
    select
        source_row_number,
        case
            {%- for fk in foreign_keys %}
            when not has_{{ fk.parent }}_parent then {{ sql_string_literal(fk.column) }}
            {%- endfor %}
        end as reject_column,
        case
            {%- for fk in foreign_keys %}
            when not has_{{ fk.parent }}_parent then {{ fk.column }}
            {%- endfor %}
        end as reject_value,
        'orphan_foreign_key' as reject_reason
    from parent_checked
    where not (
        {%- for fk in foreign_keys %}
        has_{{ fk.parent }}_parent{{ ' and' if not loop.last }}
        {%- endfor %}
    )
)

select * from orphaned
{% endmacro %}
