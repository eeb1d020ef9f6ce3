{{ olist_orphaned_rows('order_reviews') }}
