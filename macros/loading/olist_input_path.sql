{#
    Where the nine Olist files are and in which format.
    - olist_input_dir: the dbt var (default $OLIST_INPUT_DIR, else data/olist).
    - olist_input_format: the dbt var (default $OLIST_INPUT_FORMAT, else csv):
      `csv`, the Kaggle layout, or `parquet`, one <identifier>.parquet per
      table with the Kaggle column names, for exports from another system.
    - olist_input_path: <olist_input_dir>/<identifier>.<csv|parquet>.
#}
{% macro olist_input_dir() -%}
    {#- _olist__sources.yml's description names this default. -#}
    {{ return(var('olist_input_dir', env_var('OLIST_INPUT_DIR', 'data/olist')) | string) }}
{%- endmacro %}

{% macro olist_input_format() -%}
    {%- set format = var('olist_input_format', env_var('OLIST_INPUT_FORMAT', 'csv')) | string | trim | lower -%}
    {%- if format not in ('csv', 'parquet') -%}
        {{ exceptions.raise_compiler_error(
            "olist_input_format is '" ~ format ~ "': set OLIST_INPUT_FORMAT or --vars '{olist_input_format: ...}' to csv (the Kaggle files) or parquet"
        ) }}
    {%- endif -%}
    {{ return(format) }}
{%- endmacro %}

{% macro olist_input_path(identifier) -%}
    {%- set input_dir = olist_input_dir() -%}
    {%- if input_dir | trim == '' -%}
        {{ exceptions.raise_compiler_error("olist_input_dir is empty: set OLIST_INPUT_DIR or --vars '{olist_input_dir: <dir>}' to the folder holding the nine Olist CSV files") }}
    {%- endif -%}
    {{ input_dir.rstrip('/') ~ '/' ~ identifier ~ '.' ~ olist_input_format() }}
{%- endmacro %}
