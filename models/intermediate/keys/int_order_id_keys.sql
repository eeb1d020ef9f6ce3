{{ key_map('order_id', 'order_key', ref('stg_olist__orders')) }}
