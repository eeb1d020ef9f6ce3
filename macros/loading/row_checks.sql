{#
    Row checks for the base_olist__* models. Each macro returns a list of checks
    (dicts): `when` is a SQL condition on one row that means the row is bad,
    `reason` the reject reason code (documented in the `reject_reasons` docs
    block), `column` the CSV column blamed and `value` the raw text kept in the
    rejects table. `raw_<column>` is the trimmed text as read; parsed columns
    carry their staging names. The first failing check of a row wins, so order
    matters: presence, then form, then range.
#}

{% macro required_check(raw) -%}
    {{ return([{'when': raw ~ ' is null', 'reason': 'missing_required_value', 'column': raw[4:], 'value': raw}]) }}
{%- endmacro %}

{% macro hex_id_checks(raw, required=true) -%}
    {%- set checks = required_check(raw) if required else [] -%}
    {%- do checks.append({
        'when': raw ~ ' is not null and not ' ~ is_hex_id(raw),
        'reason': 'malformed_hex_id', 'column': raw[4:], 'value': raw}) -%}
    {{ return(checks) }}
{%- endmacro %}

{% macro timestamp_checks(raw, parsed, required=false) -%}
    {%- set checks = required_check(raw) if required else [] -%}
    {%- do checks.append({
        'when': raw ~ ' is not null and ' ~ parsed ~ ' is null',
        'reason': 'unparsable_timestamp', 'column': raw[4:], 'value': raw}) -%}
    {%- do checks.append({
        'when': parsed ~ ' < cast(' ~ sql_string_literal(var('timestamp_valid_from')) ~ ' as timestamp)'
            ~ ' or ' ~ parsed ~ ' >= cast(' ~ sql_string_literal(var('timestamp_valid_until')) ~ ' as timestamp)',
        'reason': 'timestamp_out_of_range', 'column': raw[4:], 'value': raw}) -%}
    {{ return(checks) }}
{%- endmacro %}

{% macro amount_checks(raw, parsed) -%}
    {%- set checks = required_check(raw) -%}
    {%- do checks.append({
        'when': parsed ~ ' is null', 'reason': 'non_numeric_amount', 'column': raw[4:], 'value': raw}) -%}
    {%- do checks.append({
        'when': parsed ~ ' < 0', 'reason': 'negative_amount', 'column': raw[4:], 'value': raw}) -%}
    {{ return(checks) }}
{%- endmacro %}

{% macro integer_checks(raw, parsed, min_value, max_value=none, required=true, reason='invalid_integer') -%}
    {%- set checks = required_check(raw) if required else [] -%}
    {%- set out_of_range = parsed ~ ' < ' ~ min_value ~ (' or ' ~ parsed ~ ' > ' ~ max_value if max_value is not none else '') -%}
    {%- do checks.append({
        'when': raw ~ ' is not null and (' ~ parsed ~ ' is null or ' ~ out_of_range ~ ')',
        'reason': reason, 'column': raw[4:], 'value': raw}) -%}
    {{ return(checks) }}
{%- endmacro %}

{% macro zip_prefix_checks(raw, parsed) -%}
    {%- set checks = required_check(raw) -%}
    {%- do checks.append({
        'when': parsed ~ ' is null', 'reason': 'invalid_zip_prefix', 'column': raw[4:], 'value': raw}) -%}
    {{ return(checks) }}
{%- endmacro %}

{#
    `known` is a boolean column set by a lookup join in the base model (for
    example the order status found in the status policy seed).
#}
{% macro lookup_check(raw, known, reason) -%}
    {{ return([{'when': raw ~ ' is not null and not ' ~ known, 'reason': reason, 'column': raw[4:], 'value': raw}]) }}
{%- endmacro %}

{#
    Index (1-based) of the first failing check of a row, null for a good row.
    Each condition is evaluated once per row; reject_fields() maps the index to
    the reason, column and raw value.
#}
{% macro first_failed_check(checks) -%}
    case
        {%- for check in checks %}
        when {{ check.when }} then {{ loop.index }}
        {%- endfor %}
    end
{%- endmacro %}

{#
    The reason, column and raw value of check number `index_column` (see
    first_failed_check) as row_reject_reason, row_reject_column and
    row_reject_value.
#}
{% macro reject_fields(checks, index_column) -%}
    {%- for output, field in [('row_reject_reason', 'reason'), ('row_reject_column', 'column'), ('row_reject_value', 'value')] %}
        case {{ index_column }}
            {%- for check in checks %}
            when {{ loop.index }} then
                {%- if check[field] is none %} cast(null as varchar)
                {%- elif field == 'value' %} {{ check[field] }}
                {%- else %} {{ sql_string_literal(check[field]) }}
                {%- endif %}
            {%- endfor %}
        end as {{ output }}{{ ',' if not loop.last }}
    {%- endfor %}
{%- endmacro %}
