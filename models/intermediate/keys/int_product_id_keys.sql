{{ key_map('product_id', 'product_key', ref('stg_olist__products')) }}
