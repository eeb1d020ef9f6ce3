{#
    The features of the exported segment model, in its column order, read from
    segment_model_features when the calling model compiles (empty at parse
    time), so the SQL scoring unpivots exactly the columns the model was fitted
    on (a model fitted without the review feature included). Each name becomes
    a column identifier and a string literal, so it must be a lowercase
    identifier; the file must hold one model version, consecutive positions
    from 0 and known transforms, else compilation stops with the problem.
#}
{% macro segment_model_feature_names() -%}
    {%- if not execute -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set rows = run_query(
        "select model_version, feature_position, feature_name, transform from "
        ~ segment_model_relation('segment_model_features') ~ " order by feature_position"
    ).rows -%}
    {%- set where = "segment_model_features.csv in '" ~ segment_model_export_dir() ~ "'" -%}
    {%- if rows | length == 0 -%}
        {{ exceptions.raise_compiler_error(where ~ " lists no feature; export the model again with `clustering export-model`") }}
    {%- endif -%}
    {%- set names = [] -%}
    {%- set versions = [] -%}
    {%- for row in rows -%}
        {%- set name = row['feature_name'] | string -%}
        {%- if name == '' or name[0] not in 'abcdefghijklmnopqrstuvwxyz_'
            or name | reject('in', 'abcdefghijklmnopqrstuvwxyz0123456789_') | list | length > 0 -%}
            {{ exceptions.raise_compiler_error(where ~ ": feature name '" ~ name ~ "' is not a lowercase column identifier") }}
        {%- endif -%}
        {%- if name in names -%}
            {{ exceptions.raise_compiler_error(where ~ ": feature '" ~ name ~ "' is listed twice") }}
        {%- endif -%}
        {%- if row['feature_position'] != loop.index0 -%}
            {{ exceptions.raise_compiler_error(where ~ ": feature positions must be 0, 1, ... in order; '" ~ name ~ "' has " ~ row['feature_position']) }}
        {%- endif -%}
        {%- if row['transform'] not in ('identity', 'log1p', 'log2') -%}
            {{ exceptions.raise_compiler_error(where ~ ": feature '" ~ name ~ "' has unknown transform '" ~ row['transform'] ~ "' (expected identity, log1p or log2)") }}
        {%- endif -%}
        {%- do names.append(name) -%}
        {%- if row['model_version'] not in versions -%}
            {%- do versions.append(row['model_version']) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- if versions | length != 1 -%}
        {{ exceptions.raise_compiler_error(where ~ " mixes model versions " ~ versions | join(', ') ~ "; export one model with `clustering export-model`") }}
    {%- endif -%}
    {{ return(names) }}
{%- endmacro %}
