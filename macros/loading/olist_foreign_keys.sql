{#
    The foreign keys of the Olist files, written once: for each child table,
    the columns that must name a staged row of a parent table, in the order
    they are checked (the first one without a staged parent is blamed).
    Each key is {column, parent, parent_column}: `column` of
    stg_olist__<child> must be found in `parent_column`, the primary key of
    stg_olist__<parent>. Read by olist_orphaned_rows (the
    stg_olist__orphaned_<child> models, which apply them) and by the audit
    models (which count what those models reject).
#}
{% macro olist_foreign_keys() -%}
    {{ return({
        'orders': [
            {'column': 'customer_id', 'parent': 'customers', 'parent_column': 'customer_id'},
        ],
        'order_items': [
            {'column': 'order_id', 'parent': 'orders', 'parent_column': 'order_id'},
            {'column': 'product_id', 'parent': 'products', 'parent_column': 'product_id'},
            {'column': 'seller_id', 'parent': 'sellers', 'parent_column': 'seller_id'},
        ],
        'order_payments': [
            {'column': 'order_id', 'parent': 'orders', 'parent_column': 'order_id'},
        ],
        'order_reviews': [
            {'column': 'order_id', 'parent': 'orders', 'parent_column': 'order_id'},
        ],
    }) }}
{%- endmacro %}
