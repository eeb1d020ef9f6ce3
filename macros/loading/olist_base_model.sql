{#
    Body of every base_olist__<table> model: read one Olist CSV through its
    source, number the rows, parse them into typed columns and give each row at
    most one reject reason. stg_olist__<table> keeps the rows without a reason
    and audit_rejected_rows collects the others, so every raw row lands in
    exactly one of the two.

    Arguments
    - table_name: the `olist` source table (file <identifier>.csv).
    - parsed: ordered dict {staging column: SQL expression over raw_<csv column>}.
    - checks: row checks (macros/loading/row_checks/), first failure wins.
    - primary_key: staging columns that identify a row; later rows repeating a
      key that an earlier good row holds are `duplicate_primary_key`
      (the first by file position is kept).
    - lookups: [{name, match, to, to_column}]: `name` becomes a boolean column,
      true when the SQL expression `match` is found in to.to_column (a seed).
    - foreign_keys: [{column, to, to_column}]: a good row whose `column` is not
      in the parent's staging model is `orphan_foreign_key` (to_column must be
      the parent's primary key); checked last, after
      duplicates, so a row is never blamed for its parent's problem twice.

    Precedence of reasons: blank_row, then `checks` in order, then
    duplicate_primary_key, then orphan_foreign_key.
    source_row_number 1 is the first record after the header
    (macros/loading/number_source_rows.sql).
#}
{% macro olist_base_model(table_name, parsed, checks, primary_key=[], lookups=[], foreign_keys=[]) %}
{%- if parsed | length == 0 -%}
    {{ exceptions.raise_compiler_error("olist_base_model(" ~ table_name ~ "): `parsed` is empty") }}
{%- endif -%}
{%- set source_relation = olist_input_relation(table_name) -%}
{%- set columns = [] -%}
{%- if execute -%}
    {%- set node = olist_source_node(table_name) -%}
    {%- set columns = node.columns.keys() | list -%}
{%- endif -%}
{%- set blank_check = [{'when': 'is_blank_row', 'reason': 'blank_row', 'column': none, 'value': 'cast(null as string)'}] -%}
{%- set all_checks = blank_check + checks -%}
with

numbered as (
    {{ number_source_rows(source_relation) }}
),

source_rows as (
    select
        source_row_number,
        {%- for column in columns %}
        nullif(trim({{ adapter.quote(column) }}), '') as raw_{{ column }}{{ ',' if not loop.last }}
        {%- endfor %}
    from numbered
),
{%- for lookup in lookups %}

lookup_{{ loop.index }} as (
    select distinct {{ lookup.to_column }} as lookup_value
    from {{ lookup.to }}
),
{%- endfor %}

parsed as (
    select
        source_rows.*,
        {%- for name, expression in parsed.items() %}
        {{ expression }} as {{ name }},
        {%- endfor %}
        {%- for lookup in lookups %}
        lookup_{{ loop.index }}.lookup_value is not null as {{ lookup.name }},
        {%- endfor %}
        coalesce(
            {%- for column in columns %}
            source_rows.raw_{{ column }}{{ ',' if not loop.last }}
            {%- endfor %}
        ) is null as is_blank_row
    from source_rows
    {%- for lookup in lookups %}
    left join lookup_{{ loop.index }}
        on {{ lookup.match }} = lookup_{{ loop.index }}.lookup_value
    {%- endfor %}
),

row_checked as (
    select
        *,
        {{ first_failed_check(all_checks) }} as failed_check
    from parsed
),

row_rejected as (
    select
        *,
        {{ reject_fields(all_checks, 'failed_check') }},
        {%- if primary_key | length > 0 %}
        row_number() over (
            partition by failed_check is null, {{ primary_key | join(', ') }}
            order by source_row_number
        ) as primary_key_rank
        {%- else %}
        1 as primary_key_rank
        {%- endif %}
    from row_checked
),
{%- for fk in foreign_keys %}

parent_{{ loop.index }} as (
    -- A primary key of the parent's staging model (unique by construction and
    -- tested).
    select {{ fk.to_column }} as parent_key
    from {{ fk.to }}
),
{%- endfor %}

parent_checked as (
    -- One flag per foreign key, as a membership test rather than a left join:
    -- the engine then hashes the narrow parent keys instead of possibly the
    -- wide child rows (at scale 30 three chained left joins ran out of memory;
    -- at scale 10 this form is about a third faster with half the memory).
    select
        row_rejected.*
        {%- for fk in foreign_keys %},
        {{ has_match('row_rejected.' ~ fk.column, 'parent_' ~ loop.index, 'parent_key') }} as has_parent_{{ loop.index }}
        {%- endfor %}
    from row_rejected
),

key_checked as (
    select
        parent_checked.*,
        case
            when parent_checked.failed_check is not null then parent_checked.row_reject_reason
            when parent_checked.primary_key_rank > 1 then 'duplicate_primary_key'
            {%- for fk in foreign_keys %}
            when not parent_checked.has_parent_{{ loop.index }} then 'orphan_foreign_key'
            {%- endfor %}
        end as reject_reason,
        case
            when parent_checked.failed_check is not null then parent_checked.row_reject_column
            when parent_checked.primary_key_rank > 1 then {{ sql_string_literal(primary_key | join(',')) if primary_key else 'null' }}
            {%- for fk in foreign_keys %}
            when not parent_checked.has_parent_{{ loop.index }} then {{ sql_string_literal(fk.column) }}
            {%- endfor %}
        end as reject_column,
        case
            when parent_checked.failed_check is not null then parent_checked.row_reject_value
            when parent_checked.primary_key_rank > 1 then
                {%- if primary_key | length == 1 %} cast(parent_checked.{{ primary_key[0] }} as string)
                {%- elif primary_key | length > 1 %} concat_ws(',', {% for column in primary_key %}cast(parent_checked.{{ column }} as string){{ ', ' if not loop.last }}{% endfor %})
                {%- else %} null
                {%- endif %}
            {%- for fk in foreign_keys %}
            when not parent_checked.has_parent_{{ loop.index }} then parent_checked.{{ fk.column }}
            {%- endfor %}
        end as reject_value
    from parent_checked
),

final as (
    select
        source_row_number,
        {%- for name in parsed.keys() %}
        {{ name }},
        {%- endfor %}
        reject_reason,
        reject_column,
        reject_value
    from key_checked
)

select * from final
{%- endmacro %}
