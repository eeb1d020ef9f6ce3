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
