{#- The orders of fct_orders purchased up to the start of the value monitor's
    window (var value_monitor_days before the as-of date, default 90), shaped
    for the purchase_summary macro: as_of_date is the window's start. The
    monitor predicts the window from the summary then and compares with what
    happened in it. -#}
with

int_as_of_date as (
    select {{ add_days('as_of_date', -1 * (var('value_monitor_days') | int)) }} as window_start_date
    from {{ ref('int_as_of_date') }}
),

fct_orders as (
    select
        customer_unique_key,
        customer_unique_id,
        purchased_at,
        order_value_brl,
        is_purchase
    from {{ ref('fct_orders') }}
),

final as (
    select
        int_as_of_date.window_start_date as as_of_date,
        fct_orders.customer_unique_key,
        fct_orders.customer_unique_id,
        fct_orders.purchased_at,
        fct_orders.order_value_brl,
        fct_orders.is_purchase
    from fct_orders
    inner join int_as_of_date
        on cast(fct_orders.purchased_at as date) <= int_as_of_date.window_start_date
)

select * from final
