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
    foreign_keys=[{'column': 'customer_id', 'to': ref('stg_olist__customers'), 'to_column': 'customer_id'}],
) }}
