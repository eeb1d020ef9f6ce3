{#
    Folder of the segment model export (clustering/export.py writes it): the
    dbt var `model_export_dir`, else $OLIST_MODEL_EXPORT_DIR, else
    model_export/ beside the warehouse file of $OLIST_WAREHOUSE, the folder
    `clustering score` writes by default (Settings.model_export_path), so
    warehouse/model_export when nothing is set.
#}
{% macro segment_model_export_dir() -%}
    {%- set warehouse = env_var('OLIST_WAREHOUSE', 'warehouse/olist.duckdb') | string -%}
    {%- set beside_warehouse = (warehouse.rsplit('/', 1)[0] if '/' in warehouse else '.') ~ '/model_export' -%}
    {%- set export_dir = var('model_export_dir', env_var('OLIST_MODEL_EXPORT_DIR', beside_warehouse)) | string -%}
    {%- if export_dir | trim == '' -%}
        {{ exceptions.raise_compiler_error(
            "model_export_dir is empty: set OLIST_MODEL_EXPORT_DIR or --vars '{model_export_dir: <dir>}' "
            ~ "to the folder `clustering export-model` wrote"
        ) }}
    {%- endif -%}
    {{ return(export_dir.rstrip('/')) }}
{%- endmacro %}

{#
    Stop with the folder and the fix when the export lacks the file of one
    table of the source `segment_model` (both engines: DuckDB before reading
    it, Spark before making a table over it).
#}
{% macro require_segment_model_file(identifier) -%}
    {%- set export_dir = segment_model_export_dir() -%}
    {%- if identifier ~ '.csv' not in olist_input_file_names(export_dir) -%}
        {{ exceptions.raise_compiler_error(
            "no segment model export in '" ~ export_dir ~ "' (missing " ~ identifier
            ~ ".csv): run `clustering score` or `clustering export-model --out <dir>` first, or point the dbt var "
            ~ "model_export_dir (or OLIST_MODEL_EXPORT_DIR) at the folder holding the export"
        ) }}
    {%- endif -%}
{%- endmacro %}
