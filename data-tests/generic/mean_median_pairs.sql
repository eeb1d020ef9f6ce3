{#
    A profile table with one `mean_<f>`, `median_<f>` pair of double columns
    per feature f: at least one pair, no mean without its median or median
    without its mean, no other type, and the two of a pair null together (a
    statistic is null only when no member of the segment has a value, see docs
    block segment_feature_statistics; assert_segment_contrasts_match_profiles
    ties that to segment_feature_contrasts.count_with_value). Returns one row
    per problem found in the table's columns, then the rows where a pair is
    half null.
#}
{% test mean_median_pairs(model) %}
{%- set problems = [] -%}
{%- set statistics = [] -%}
{%- if execute -%}
    {%- set types = {} -%}
    {%- for column in adapter.get_columns_in_relation(model) -%}
        {%- do types.update({column.name | lower: column.dtype | lower}) -%}
    {%- endfor -%}
    {%- for name in types if name.startswith('mean_') or name.startswith('median_') -%}
        {%- do statistics.append(name) -%}
        {%- set partner = 'median_' ~ name[5:] if name.startswith('mean_') else 'mean_' ~ name[7:] -%}
        {%- if partner not in types -%}
            {%- do problems.append(name ~ ' has no partner column ' ~ partner) -%}
        {%- endif -%}
        {%- if types[name] != 'double' -%}
            {%- do problems.append(name ~ ' is ' ~ types[name] ~ ', not double') -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if statistics | length == 0 -%}
        {%- do problems.append('no mean_<feature> / median_<feature> columns') -%}
    {%- endif -%}
{%- endif %}
with

column_problems as (
    {% for problem in problems -%}
        select {{ sql_string_literal(problem) }} as problem
        {% if not loop.last %}union all{% endif %}
    {% else -%}
        select cast(null as string) as problem
        where false
    {%- endfor %}
),

null_statistics as (
    select 'mean and median not null together in ' || count(*) || ' rows' as problem
    from {{ model }}
    where false
    {%- for name in statistics if name.startswith('mean_') %}
        or ({{ name }} is null) != (median_{{ name[5:] }} is null)
    {%- endfor %}
    having count(*) > 0
)

select * from column_problems
union all
select * from null_statistics
{% endtest %}
