{#
    True when the running invocation selected a node (model, test, ...) that
    reads a table of the source `source_name`. For run hooks, which see every
    invocation: only the segments build (`--selector segments`) reads the
    source `segments`.
#}
{% macro selection_reads_source(source_name) %}
    {%- set source_ids = graph.sources.values()
        | selectattr('source_name', 'equalto', source_name)
        | map(attribute='unique_id') | list -%}
    {%- if source_ids | length == 0 -%}
        {{ exceptions.raise_compiler_error("selection_reads_source: no source named '" ~ source_name ~ "'") }}
    {%- endif -%}
    {%- set reads = namespace(found=false) -%}
    {%- for unique_id in selected_resources if unique_id in graph.nodes -%}
        {%- if graph.nodes[unique_id].depends_on.nodes | select('in', source_ids) | list | length > 0 -%}
            {%- set reads.found = true -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(reads.found) }}
{% endmacro %}
