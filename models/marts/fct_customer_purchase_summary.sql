{{ purchase_summary(ref('fct_orders')) }}
