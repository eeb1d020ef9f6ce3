{#
    Body of every base_olist__<table> model: read one Olist CSV through its
    source, number the rows, parse them into typed columns and give each row at
    most one reject reason found in the row itself or in the file (a
    duplicate key). A base model reads its file and no other model: whether a
    row's parent was staged (orphan_foreign_key) is decided one layer up, by
    stg_olist__orphaned_<table> (macros/loading/olist_orphaned_rows.sql). The
    staging model keeps the rows without a reason that are not orphans, and
    audit_rejected_rows collects the others, so every raw row lands in exactly
    one of the two.

    Arguments
    - table_name: the `olist` source table (file <identifier>.csv).
    - parsed: ordered dict {staging column: SQL expression over raw_<csv column>}.
    - checks: row checks (macros/loading/row_checks/), first failure wins.
    - primary_key: staging columns that identify a row; later rows repeating a
      key that an earlier good row holds are `duplicate_primary_key`
      (the first by file position is kept).
    - lookups: [{name, match, to, to_column}]: `name` becomes a boolean column,
      true when the SQL expression `match` is found in to.to_column (a seed of
      reference values, for the lookup_check row checks).

    Precedence of reasons: blank_row, then `checks` in order, then
    duplicate_primary_key (then, one layer up, orphan_foreign_key).
    source_row_number 1 is the first record after the header
    (macros/loading/number_source_rows.sql).
#}
{% macro olist_base_model(table_name, parsed, checks, primary_key=[], lookups=[]) %}
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
        {{ reject_fields(all_checks, 'failed_check') }}
    from row_checked
),
{%- if primary_key | length > 0 %}

contested_keys as (
    -- Keys that more than one good row holds: the only rows to rank. A window
    -- over every row cost as much as parsing the file (orders at scale 10:
    -- 2.6 of 5.4 s of operator time).
    select {{ primary_key | join(', ') }}
    from row_checked
    where failed_check is null
    group by {{ primary_key | join(', ') }}
    having count(*) > 1
),

key_ranks as (
    select
        row_checked.source_row_number,
        row_number() over (
            partition by {% for column in primary_key %}row_checked.{{ column }}{{ ', ' if not loop.last }}{% endfor %}
            order by row_checked.source_row_number
        ) as primary_key_rank
    from row_checked
    inner join contested_keys
        on {% for column in primary_key %}row_checked.{{ column }} = contested_keys.{{ column }}{{ ' and ' if not loop.last }}{% endfor %}
    where row_checked.failed_check is null
),
{%- endif %}

key_checked as (
    -- A key's first good row by file position holds it; later ones are
    -- duplicates.
    {%- set is_duplicate = 'coalesce(key_ranks.primary_key_rank, 1) > 1' if primary_key else 'false' %}
    select
        row_rejected.*,
        case
            when row_rejected.failed_check is not null then row_rejected.row_reject_reason
            when {{ is_duplicate }} then 'duplicate_primary_key'
        end as reject_reason,
        case
            when row_rejected.failed_check is not null then row_rejected.row_reject_column
            when {{ is_duplicate }} then {{ sql_string_literal(primary_key | join(',')) if primary_key else 'null' }}
        end as reject_column,
        case
            when row_rejected.failed_check is not null then row_rejected.row_reject_value
            when {{ is_duplicate }} then
                {%- if primary_key | length == 1 %} cast(row_rejected.{{ primary_key[0] }} as string)
                {%- elif primary_key | length > 1 %} concat_ws(',', {% for column in primary_key %}cast(row_rejected.{{ column }} as string){{ ', ' if not loop.last }}{% endfor %})
                {%- else %} null
                {%- endif %}
        end as reject_value
    from row_rejected
    {%- if primary_key | length > 0 %}
    left join key_ranks
        on row_rejected.source_row_number = key_ranks.source_row_number
    {%- endif %}
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
