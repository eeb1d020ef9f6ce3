-- Learned segments against the rule-based RFM groups: one row per segment,
-- its size, and how many of its people fall in each RFM group (columns in the
-- seed's priority order). A segment spread over many groups is something RFM
-- does not see; a group split over segments is one RFM lumps together.
-- Run: dbt compile -s segments_vs_rfm_groups, then the SQL in target/compiled/.
{%- set rfm_segment_rules = ref('rfm_segment_rules') %}
{%- set rfm_groups = [] %}
{%- if execute %}
{%- set rules = run_query('select rfm_group from ' ~ rfm_segment_rules ~ ' order by priority') %}
{%- do rfm_groups.extend(rules.columns[0].values()) %}
{%- endif %}
{%- for rfm_group in rfm_groups if not modules.re.fullmatch('[a-z][a-z0-9_]*', rfm_group) %}
{%- do exceptions.raise_compiler_error("segments_vs_rfm_groups: rfm_group '" ~ rfm_group ~ "' is not a plain lowercase name") %}
{%- endfor %}
with

dim_customer_segments as (
    select
        segment_id,
        segment_name,
        rfm_group
    from {{ ref('dim_customer_segments') }}
),

final as (
    select
        segment_id,
        segment_name,
        {%- for rfm_group in rfm_groups %}
        count(case when rfm_group = {{ sql_string_literal(rfm_group) }} then 1 end) as count_{{ rfm_group }},
        {%- endfor %}
        count(*) as count_customers
    from dim_customer_segments
    group by segment_id, segment_name
)

select * from final
order by segment_id
