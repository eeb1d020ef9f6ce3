{#
    Path of one Olist CSV file: <olist_input_dir>/<identifier>.csv, where
    olist_input_dir is the dbt var (default $OLIST_INPUT_DIR, else data/olist).
#}
{% macro olist_input_dir() -%}
    {#- Keep this default identical to the one in _olist__sources.yml. -#}
    {{ return(var('olist_input_dir', env_var('OLIST_INPUT_DIR', 'data/olist')) | string) }}
{%- endmacro %}

{% macro olist_input_path(identifier) -%}
    {%- set input_dir = olist_input_dir() -%}
    {%- if input_dir | trim == '' -%}
        {{ exceptions.raise_compiler_error("olist_input_dir is empty: set OLIST_INPUT_DIR or --vars '{olist_input_dir: <dir>}' to the folder holding the nine Olist CSV files") }}
    {%- endif -%}
    {{ input_dir.rstrip('/') ~ '/' ~ identifier ~ '.csv' }}
{%- endmacro %}
