{#- Reads its file only, no model. Whether the item's order, product and
    seller are staged (orphan_foreign_key) is checked one layer up, in
    stg_olist__orphaned_order_items. -#}
{%- set parsed = {
    'order_id': 'raw_order_id',
    'order_item_id': parse_integer('raw_order_item_id'),
    'product_id': 'raw_product_id',
    'seller_id': 'raw_seller_id',
    'shipping_limit_at': parse_timestamp('raw_shipping_limit_date'),
    'price_brl': parse_amount('raw_price'),
    'freight_brl': parse_amount('raw_freight_value'),
} -%}
{%- set checks =
    hex_id_checks('raw_order_id')
    + integer_checks('raw_order_item_id', 'order_item_id', 1)
    + hex_id_checks('raw_product_id')
    + hex_id_checks('raw_seller_id')
    + timestamp_checks('raw_shipping_limit_date', 'shipping_limit_at')
    + amount_checks('raw_price', 'price_brl')
    + amount_checks('raw_freight_value', 'freight_brl')
-%}
{{ olist_base_model(
    'order_items', parsed, checks,
    primary_key=['order_id', 'order_item_id'],
) }}
