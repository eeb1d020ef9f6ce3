{#- Reads its file and one seed, no model. The seed brazil_states stays here
    on purpose: unknown_state is a row check (is the value in a fixed list
    shipped with the project) and must run before duplicate keys are ranked,
    since a row with a bad value does not hold its key and a later good copy
    of the key is staged; checked one layer up, the bad first copy would hold
    the key and the good one would be rejected as duplicate_primary_key. -#}
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
