{#- Reads its file and one seed, no model. Whether the payment's order is
    staged (orphan_foreign_key) is checked one layer up, in
    stg_olist__orphaned_order_payments. The seed payment_type_policy stays
    here on purpose: unknown_payment_type is a row check (is the value in a
    fixed list shipped with the project) and must run before duplicate keys
    are ranked, since a row with a bad value does not hold its key and a later
    good copy of the key is staged; checked one layer up, the bad first copy
    would hold the key and the good one would be rejected as
    duplicate_primary_key. -#}
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
) }}
