{#
    The column holds one value on every row (within each group of the
    `group_by` columns when given): for example every assignment of a scoring
    run carries the same model version. Returns the groups with several values.
#}
{% test single_distinct_value(model, column_name, group_by=[]) %}
select
    {% for column in group_by -%}
        {{ column }},
    {% endfor -%}
    count(distinct {{ column_name }}) as count_values
from {{ model }}
{% if group_by -%}
    group by {{ group_by | join(', ') }}
{% endif -%}
having count(distinct {{ column_name }}) > 1
{% endtest %}
