{{ customer_rfm(ref('int_orders_at_cutoffs')) }}
