with

base_olist__products as (
    select * from {{ ref('base_olist__products') }}
),

accepted as (
    select
        source_row_number,
        product_id,
        product_category_name,
        product_name_length,
        product_description_length,
        product_photos_qty,
        product_weight_g,
        product_length_cm,
        product_height_cm,
        product_width_cm
    from base_olist__products
    where reject_reason is null
)

select * from accepted
