{#
    A non-negative money amount (decimal(18, 2)) divided by a positive count,
    rounded half up to the cent, as decimal(18, 2).
    Done in integer cents because engines divide decimals differently: DuckDB
    goes through a double (79.615 becomes 79.6149... and rounds to 79.61),
    Spark keeps an exact decimal (79.62). floor((2c + n) / 2n) is exact for
    any amount below 2^52 cents, whichever way the engine divides integers.
#}
{% macro money_per_unit(amount, count) -%}
    cast(
        floor((cast({{ amount }} * 100 as bigint) * 2 + {{ count }}) / (2 * {{ count }}))
        / 100 as decimal(18, 2)
    )
{%- endmacro %}
