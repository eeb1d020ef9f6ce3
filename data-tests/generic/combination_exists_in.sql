{#
    A composite foreign key: every combination of `columns` in the model is a
    combination of the same columns in `to` (for example each assignment's
    model_version and segment_id name a row of the profiles). Rows with a null
    in any of the columns are not checked, as dbt's `relationships` does.
    Returns the combinations missing from `to`.
#}
{% test combination_exists_in(model, to, columns) %}
{%- if columns is string or columns | length == 0 -%}
    {{ exceptions.raise_compiler_error("combination_exists_in: columns must be a non-empty list, got " ~ columns) }}
{%- endif %}
with

child as (
    select distinct {{ columns | join(', ') }}
    from {{ model }}
    where {% for column in columns %}{{ column }} is not null{% if not loop.last %} and {% endif %}{% endfor %}
),

parent as (
    select distinct {{ columns | join(', ') }}
    from {{ to }}
)

select child.*
from child
left join parent
    on {% for column in columns %}child.{{ column }} = parent.{{ column }}{% if not loop.last %}
        and {% endif %}{% endfor %}
where parent.{{ columns[0] }} is null
{% endtest %}
