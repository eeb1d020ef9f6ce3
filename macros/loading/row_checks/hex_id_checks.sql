{#
    Row check (the shape of a check: README.md in this folder).
    An id: required (unless required=false), then malformed_hex_id unless it
    is 32 lowercase hexadecimal characters.
#}
{% macro hex_id_checks(raw, required=true) -%}
    {%- set checks = required_check(raw) if required else [] -%}
    {%- do checks.append({
        'when': raw ~ ' is not null and not ' ~ is_hex_id(raw),
        'reason': 'malformed_hex_id', 'column': raw[4:], 'value': raw}) -%}
    {{ return(checks) }}
{%- endmacro %}
