{{ customer_features(ref('fct_orders'), ref('fct_customer_rfm')) }}
