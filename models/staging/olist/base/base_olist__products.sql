{%- set parsed = {
    'product_id': 'raw_product_id',
    'product_category_name': 'lower(raw_product_category_name)',
    'product_name_length': parse_integer('raw_product_name_lenght'),
    'product_description_length': parse_integer('raw_product_description_lenght'),
    'product_photos_qty': parse_integer('raw_product_photos_qty'),
    'product_weight_g': parse_integer('raw_product_weight_g'),
    'product_length_cm': parse_integer('raw_product_length_cm'),
    'product_height_cm': parse_integer('raw_product_height_cm'),
    'product_width_cm': parse_integer('raw_product_width_cm'),
} -%}
{%- set checks = hex_id_checks('raw_product_id') -%}
{%- for raw, name in [
    ('raw_product_name_lenght', 'product_name_length'),
    ('raw_product_description_lenght', 'product_description_length'),
    ('raw_product_photos_qty', 'product_photos_qty'),
    ('raw_product_weight_g', 'product_weight_g'),
    ('raw_product_length_cm', 'product_length_cm'),
    ('raw_product_height_cm', 'product_height_cm'),
    ('raw_product_width_cm', 'product_width_cm'),
] -%}
{%- do checks.extend(integer_checks(raw, name, 0, required=false)) -%}
{%- endfor -%}
{{ olist_base_model('products', parsed, checks, primary_key=['product_id']) }}
