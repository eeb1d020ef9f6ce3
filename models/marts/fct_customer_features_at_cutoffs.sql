{{ customer_features(ref('int_orders_at_cutoffs'), ref('int_customer_rfm_at_cutoffs')) }}
