{{ key_map('review_id', 'review_key', ref('stg_olist__order_reviews')) }}
