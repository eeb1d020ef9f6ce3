{#
    on-run-start preflight: every source table of the `olist` source must exist
    as <olist_input_dir>/<identifier>.csv with exactly the header declared in
    models/staging/olist/_olist__sources.yml (names and order). A missing file,
    a missing or renamed column, or another delimiter stops the build here with
    one message naming the file and what was expected, before any model reads it.
    Reads only the first line of each file.
#}
{% macro check_olist_input_files() %}
    {%- if not execute or flags.WHICH not in ('run', 'build', 'test', 'seed') -%}
        {{ return('') }}
    {%- endif -%}
    {%- set problems = [] -%}
    {%- for node in graph.sources.values() if node.source_name == 'olist' -%}
        {%- set path = olist_input_path(node.identifier) -%}
        {%- set expected = node.columns.keys() | list -%}
        {%- set found = run_query("select count(*) from glob(" ~ sql_string_literal(path) ~ ")") -%}
        {%- if found.columns[0].values()[0] == 0 -%}
            {%- do problems.append("missing file " ~ path ~ " (expected the Kaggle file " ~ node.identifier ~ ".csv in the input directory)") -%}
        {%- else -%}
            {%- set first_line = run_query(
                "select line from read_csv(" ~ sql_string_literal(path)
                ~ ", header = false, auto_detect = false, columns = {'line': 'VARCHAR'}"
                ~ ", delim = chr(1), quote = '', escape = '', strict_mode = false, parallel = false) limit 1"
            ).columns[0].values() -%}
            {%- set header_line = (first_line[0] if first_line | length > 0 else none) or '' -%}
            {%- set header = [] -%}
            {%- for name in header_line.split(',') -%}
                {%- do header.append(name.strip().strip('"')) -%}
            {%- endfor -%}
            {%- if header != expected -%}
                {%- set hint = '' -%}
                {%- if header | length == 1 and (';' in header_line or '\t' in header_line or '|' in header_line) -%}
                    {%- set hint = '; the file seems to use another delimiter: the Kaggle layout is comma-separated' -%}
                {%- endif -%}
                {%- do problems.append(
                    "wrong header in " ~ path ~ ": expected the comma-separated columns "
                    ~ expected | join(',') ~ " but found " ~ header_line[:300] ~ hint
                ) -%}
            {%- endif -%}
        {%- endif -%}
    {%- endfor -%}
    {%- set missing = [] -%}
    {%- for problem in problems if problem.startswith('missing file') -%}
        {%- do missing.append(problem) -%}
    {%- endfor -%}
    {%- if missing | length > 1 and missing | length == graph.sources.values() | selectattr('source_name', 'equalto', 'olist') | list | length -%}
        {%- set problems = ["none of the nine Olist CSV files is there (does the directory exist?)"] -%}
    {%- endif -%}
    {%- if problems | length > 0 -%}
        {{ exceptions.raise_compiler_error(
            "Olist input check failed for directory '" ~ olist_input_dir() ~ "': "
            ~ problems | join(' | ')
            ~ ". Point OLIST_INPUT_DIR (or --vars '{olist_input_dir: <dir>}') at a folder with the nine Olist CSV files."
        ) }}
    {%- endif -%}
    {{ return('') }}
{% endmacro %}
