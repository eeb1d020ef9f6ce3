{{ key_map('customer_unique_id', 'customer_unique_key', ref('stg_olist__customers')) }}
