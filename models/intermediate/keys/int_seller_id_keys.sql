{{ key_map('seller_id', 'seller_key', ref('stg_olist__sellers')) }}
