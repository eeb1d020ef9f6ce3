{{ purchase_summary(ref('int_orders_at_cutoffs')) }}
