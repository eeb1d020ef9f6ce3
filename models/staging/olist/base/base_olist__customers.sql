{%- set parsed = {
    'customer_id': 'raw_customer_id',
    'customer_unique_id': 'raw_customer_unique_id',
    'customer_zip_code_prefix': normalize_zip_prefix('raw_customer_zip_code_prefix'),
    'customer_city': 'lower(raw_customer_city)',
    'customer_state': 'upper(raw_customer_state)',
} -%}
{%- set checks =
    hex_id_checks('raw_customer_id')
    + hex_id_checks('raw_customer_unique_id')
    + zip_prefix_checks('raw_customer_zip_code_prefix', 'customer_zip_code_prefix')
    + required_check('raw_customer_state')
    + lookup_check('raw_customer_state', 'is_known_state', 'unknown_state')
-%}
{{ olist_base_model(
    'customers', parsed, checks,
    primary_key=['customer_id'],
    lookups=[{'name': 'is_known_state', 'match': 'upper(raw_customer_state)', 'to': ref('brazil_states'), 'to_column': 'state_code'}],
) }}
