{{ purchase_summary(ref('int_orders_before_value_monitor_window')) }}
