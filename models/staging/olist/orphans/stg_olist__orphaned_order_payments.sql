{{ olist_orphaned_rows('order_payments') }}
