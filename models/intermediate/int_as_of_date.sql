{#- One row: the as-of date of the marts and the instant it ends.
    Policy in docs block `as_of_policy`: the var as_of_date when given, else
    the environment variable OLIST_AS_OF_DATE when set, else the purchase
    date of the last order that is a real purchase (a purchase status and at
    least one item), not blindly the last row of the file.
    The daily refresh sets the environment variable (macro
    as_of_date_setting, which also checks the format). -#}
{%- set as_of_var = as_of_date_setting() -%}
with

int_orders_joined_to_customers_and_aggregates as (
    select
        purchased_at,
        is_purchase_status,
        count_item_lines
    from {{ ref('int_orders_joined_to_customers_and_aggregates') }}
),

chosen as (
    {%- if as_of_var is not none %}
    select
        cast({{ sql_string_literal(as_of_var) }} as date) as as_of_date,
        'var as_of_date' as as_of_date_source
    {%- else %}
    select
        cast(max(purchased_at) as date) as as_of_date,
        'last purchase with items' as as_of_date_source
    from int_orders_joined_to_customers_and_aggregates
    where is_purchase_status and count_item_lines > 0
    {%- endif %}
),

final as (
    select
        as_of_date,
        -- Everything known strictly before this instant counts: the whole of
        -- the as-of day and nothing after it.
        cast(as_of_date as timestamp) + interval 1 day as cutoff_at,
        as_of_date_source
    from chosen
)

select * from final
