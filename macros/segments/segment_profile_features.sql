{#
    The model features of a segment_profiles relation, in column order: the
    names <f> of its `mean_<f>` columns (each has a `median_<f>` partner,
    tested by `mean_median_pairs`). The feature list follows the fitted model,
    so tests read it from the table instead of repeating it. Empty at parse
    time and when the relation does not exist.
#}
{% macro segment_profile_features(relation) -%}
    {%- set features = [] -%}
    {%- if execute -%}
        {%- for column in adapter.get_columns_in_relation(relation) -%}
            {%- if (column.name | lower).startswith('mean_') -%}
                {%- do features.append((column.name | lower)[5:]) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
    {{ return(features) }}
{%- endmacro %}
