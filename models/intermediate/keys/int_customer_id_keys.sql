{{ key_map('customer_id', 'customer_key', ref('stg_olist__customers')) }}
