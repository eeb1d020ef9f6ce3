{{ olist_orphaned_rows('orders') }}
