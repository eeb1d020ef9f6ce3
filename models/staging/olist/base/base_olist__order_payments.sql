{%- set parsed = {
    'order_id': 'raw_order_id',
    'payment_sequential': parse_integer('raw_payment_sequential'),
    'payment_type': 'lower(raw_payment_type)',
    'payment_installments': parse_integer('raw_payment_installments'),
    'payment_value_brl': parse_amount('raw_payment_value'),
} -%}
{%- set checks =
    hex_id_checks('raw_order_id')
    + integer_checks('raw_payment_sequential', 'payment_sequential', 1)
    + required_check('raw_payment_type')
    + lookup_check('raw_payment_type', 'is_known_payment_type', 'unknown_payment_type')
    + integer_checks('raw_payment_installments', 'payment_installments', 0)
    + amount_checks('raw_payment_value', 'payment_value_brl')
-%}
{{ olist_base_model(
    'order_payments', parsed, checks,
    primary_key=['order_id', 'payment_sequential'],
    lookups=[{'name': 'is_known_payment_type', 'match': 'lower(raw_payment_type)', 'to': ref('payment_type_policy'), 'to_column': 'payment_type'}],
    foreign_keys=[{'column': 'order_id', 'to': ref('stg_olist__orders'), 'to_column': 'order_id'}],
) }}
