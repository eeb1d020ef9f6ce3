{#
    Every row satisfies a SQL boolean expression (for example
    `order_value_brl >= 0`). Returns the rows where it is false or null.
#}
{% test expression_is_true(model, expression, column_name=none) %}
select *
from {{ model }}
where not coalesce(({{ expression }}), false)
{% endtest %}
