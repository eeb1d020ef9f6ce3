{#- Reads its file and one seed, no model. Whether the order's customer is
    staged (orphan_foreign_key) is checked one layer up, in
    stg_olist__orphaned_orders. The seed order_status_policy stays here on
    purpose: unknown_order_status is a row check (is the value in a fixed list
    shipped with the project) and must run before duplicate keys are ranked,
    since a row with a bad value does not hold its key and a later good copy
    of the key is staged; checked one layer up, the bad first copy would hold
    the key and the good one would be rejected as duplicate_primary_key. -#}
{%- set parsed = {
    'order_id': 'raw_order_id',
    'customer_id': 'raw_customer_id',
    'order_status': 'lower(raw_order_status)',
    'purchased_at': parse_timestamp('raw_order_purchase_timestamp'),
    'approved_at': parse_timestamp('raw_order_approved_at'),
    'delivered_to_carrier_at': parse_timestamp('raw_order_delivered_carrier_date'),
    'delivered_to_customer_at': parse_timestamp('raw_order_delivered_customer_date'),
    'estimated_delivery_at': parse_timestamp('raw_order_estimated_delivery_date'),
} -%}
{%- set checks =
    hex_id_checks('raw_order_id')
    + hex_id_checks('raw_customer_id')
    + required_check('raw_order_status')
    + lookup_check('raw_order_status', 'is_known_status', 'unknown_order_status')
    + timestamp_checks('raw_order_purchase_timestamp', 'purchased_at', required=true)
    + timestamp_checks('raw_order_approved_at', 'approved_at')
    + timestamp_checks('raw_order_delivered_carrier_date', 'delivered_to_carrier_at')
    + timestamp_checks('raw_order_delivered_customer_date', 'delivered_to_customer_at')
    + timestamp_checks('raw_order_estimated_delivery_date', 'estimated_delivery_at', required=true)
-%}
{{ olist_base_model(
    'orders', parsed, checks,
    primary_key=['order_id'],
    lookups=[{'name': 'is_known_status', 'match': 'lower(raw_order_status)', 'to': ref('order_status_policy'), 'to_column': 'order_status'}],
) }}
