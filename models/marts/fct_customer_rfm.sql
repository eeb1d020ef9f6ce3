{{ customer_rfm(ref('fct_orders')) }}
