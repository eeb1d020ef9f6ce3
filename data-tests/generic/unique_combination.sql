{#
    The combination of columns identifies a row (the grain of a model with a
    composite key). Returns the combinations that repeat.
#}
{% test unique_combination(model, columns) %}
select
    {{ columns | join(', ') }},
    count(*) as count_rows
from {{ model }}
group by {{ columns | join(', ') }}
having count(*) > 1
{% endtest %}
