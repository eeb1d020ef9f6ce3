{#
    Exactly one row satisfies a SQL boolean condition (for example
    `is_chosen`: one candidate model is chosen). Returns one row with the
    count when it is not 1.
#}
{% test exactly_one_row_where(model, condition) %}
select count(*) as count_rows
from {{ model }}
where coalesce(({{ condition }}), false)
having count(*) != 1
{% endtest %}
