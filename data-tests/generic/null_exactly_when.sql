{#
    The column is null exactly when the boolean flag column is false: a
    missing value is always explained by its flag, and a flag never lies.
    Returns the rows that break the rule.
#}
{% test null_exactly_when(model, column_name, flag) %}
select *
from {{ model }}
where ({{ column_name }} is null) = ({{ flag }})
{% endtest %}
