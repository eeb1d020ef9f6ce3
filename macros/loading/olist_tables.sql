{#
    The nine Olist source tables with their base model, for models that treat
    all files alike (audit). Order: the file list of the Kaggle dataset page.
#}
{% macro olist_tables() -%}
    {{ return([
        'customers', 'orders', 'order_items', 'order_payments', 'order_reviews',
        'products', 'sellers', 'geolocation', 'product_category_name_translation',
    ]) }}
{%- endmacro %}
