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
                {%- if check[field] is none %} cast(null as string)
                {%- elif field == 'value' %} {{ check[field] }}
                {%- else %} {{ sql_string_literal(check[field]) }}
                {%- endif %}
            {%- endfor %}
        end as {{ output }}{{ ',' if not loop.last }}
    {%- endfor %}
{%- endmacro %}
