{#
    The as-of date asked for (docs block `as_of_policy`): the var as_of_date,
    else the environment variable OLIST_AS_OF_DATE, else none (int_as_of_date
    then takes the day of the last real purchase). The variable is read only
    when dbt runs, never while it parses, so a new day re-parses nothing
    (clustering.ops.dbt reuses one parse per process). A value that is not a
    date written YYYY-MM-DD stops with the setting named.
#}
{% macro as_of_date_setting() -%}
    {%- set from_var = var('as_of_date') -%}
    {%- set from_env = (env_var('OLIST_AS_OF_DATE', '') | trim) if execute else '' -%}
    {%- if from_var -%}
        {%- set value, name = from_var | string, 'var as_of_date' -%}
    {%- elif from_env -%}
        {%- set value, name = from_env, 'OLIST_AS_OF_DATE' -%}
    {%- else -%}
        {{ return(none) }}
    {%- endif -%}
    {%- if not modules.re.match('^[0-9]{4}-[0-9]{2}-[0-9]{2}$', value) -%}
        {{ exceptions.raise_compiler_error(
            name ~ " must be a date written YYYY-MM-DD (for example 2018-06-30); got: " ~ value
        ) }}
    {%- endif -%}
    {{ return(value) }}
{%- endmacro %}

{#
    on-run-start: a malformed as-of date stops the run before any model
    builds (the var alone is checked while dbt parses; the variable is read
    only when dbt runs).
#}
{% macro check_as_of_date() %}
    {%- if execute and flags.WHICH in ('run', 'build', 'test', 'seed') -%}
        {%- do as_of_date_setting() -%}
    {%- endif -%}
    {{ return('') }}
{% endmacro %}
