{#- Reads its file and one seed, no model. The seed brazil_states stays here
    on purpose: unknown_state is a row check (is the value in a fixed list
    shipped with the project) and must run before duplicate keys are ranked,
    since a row with a bad value does not hold its key and a later good copy
    of the key is staged; checked one layer up, the bad first copy would hold
    the key and the good one would be rejected as duplicate_primary_key. -#}
{%- set parsed = {
    'seller_id': 'raw_seller_id',
    'seller_zip_code_prefix': normalize_zip_prefix('raw_seller_zip_code_prefix'),
    'seller_city': 'lower(raw_seller_city)',
    'seller_state': 'upper(raw_seller_state)',
} -%}
{%- set checks =
    hex_id_checks('raw_seller_id')
    + zip_prefix_checks('raw_seller_zip_code_prefix', 'seller_zip_code_prefix')
    + required_check('raw_seller_state')
    + lookup_check('raw_seller_state', 'is_known_state', 'unknown_state')
-%}
{{ olist_base_model(
    'sellers', parsed, checks,
    primary_key=['seller_id'],
    lookups=[{'name': 'is_known_state', 'match': 'upper(raw_seller_state)', 'to': ref('brazil_states'), 'to_column': 'state_code'}],
) }}
