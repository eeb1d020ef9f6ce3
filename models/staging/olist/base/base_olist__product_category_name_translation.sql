{%- set parsed = {
    'product_category_name': 'lower(raw_product_category_name)',
    'product_category_name_english': 'lower(raw_product_category_name_english)',
} -%}
{%- set checks =
    required_check('raw_product_category_name')
    + required_check('raw_product_category_name_english')
-%}
{{ olist_base_model(
    'product_category_name_translation', parsed, checks,
    primary_key=['product_category_name'],
) }}
